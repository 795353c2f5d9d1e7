import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { credentialsFromEnv } from '../shared/hwc/credentials.ts';
import type { Credentials } from '../shared/hwc/credentials.ts';
import { FunctionGraphApi } from '../shared/hwc/functiongraph.ts';
import { HuaweiCloud } from '../shared/hwc/index.ts';
import { maskSecrets, registerSecret } from '../shared/runtime/redact.ts';
import { printable } from '../shared/runtime/printable.ts';
import type { ReportAction } from '../shared/runtime/report.ts';
import { applyPlan } from './apply.ts';
import { buildFunctions } from './build.ts';
import { desiredState } from './desired.ts';
import type { DesiredOptions, DesiredState } from './desired.ts';
import { deployedFunctions, describeDeployed } from './info.ts';
import { chooseStage } from './naming.ts';
import type { Owner } from './naming.ts';
import { observeRegion } from './observe.ts';
import type { ObservedRegion } from './observed.ts';
import { parseParams } from './params.ts';
import type { Params } from './params.ts';
import { describePlan, planDeploy, planRemove } from './plan.ts';
import type { DeployPlan } from './plan.ts';
import { chooseRegions, projectIdsFor, projectSources } from './regions.ts';
import { loadServerless } from './serverless.ts';
import type { ServiceDefinition } from './serverless.ts';
import { codeDigest } from './zip.ts';

/**
 * `warden deploy`, `warden remove` and `warden info`: parse → observe → plan (pure) → apply → report, for each
 * region. Everything that can be wrong with the input (serverless.yml, `--param`, `--region`, `--stage`,
 * credentials) is refused before the first call; every region is observed and planned before the first write,
 * and a function of a wanted name that deploy did not create refuses the whole deploy before any write. Writes
 * stop at the first refusal (apply.ts); the regions after it are not reached, and the report says so.
 */

export interface CommandIo {
  /** Where `HUAWEICLOUD_*` are read: credentials, region, project, endpoints, retries. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** serverless.yml, functions/ and dist/ are found here. */
  readonly root: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The zip of each function (default: `npm run build`'s, built into dist/ now). */
  readonly build?: (() => Promise<DesiredOptions['artifacts']>) | undefined;
}

export interface TargetOptions {
  readonly region?: string | undefined;
  readonly stage?: string | undefined;
}

export interface DeployOptions extends TargetOptions {
  readonly plan?: boolean | undefined;
  readonly params?: readonly string[] | undefined;
  readonly functions?: readonly string[] | undefined;
  readonly prune?: boolean | undefined;
}

export interface RemoveOptions extends TargetOptions {
  readonly plan?: boolean | undefined;
  readonly functions?: readonly string[] | undefined;
}

/** What every command reads before any call: serverless.yml, the stage, the regions and the credentials. */
function readSetting(options: TargetOptions, io: CommandIo, params?: Params) {
  const service = loadServerless(join(io.root, 'serverless.yml'), params ? { params } : {});
  const stage = chooseStage(options.stage, service.provider.stage);
  const owner: Owner = { service: service.service, stage };
  const { regions } = chooseRegions(options.region, io.env, service.provider.region);
  return { service, stage, owner, regions, credentials: credentialsFromEnv(io.env) };
}

/** Observes (all regions at once: reads only) and plans every region before anything is written anywhere. */
function planEveryRegion(
  targets: readonly Target[],
  owner: Owner,
  planFor: (observed: ObservedRegion, target: Target) => DeployPlan,
): Promise<Array<{ target: Target; plan: DeployPlan }>> {
  return Promise.all(targets.map(async (target) => ({ target, plan: planFor(await observeRegion(target.fg, owner), target) })));
}

/** One region's FunctionGraph, signed for that region's project. */
interface Target {
  readonly region: string;
  readonly projectId: string;
  readonly cloud: HuaweiCloud;
  readonly fg: FunctionGraphApi;
}

export async function deployCommand(options: DeployOptions, io: CommandIo): Promise<number> {
  // Parse: all of it before any call.
  const { service, stage, owner, regions, credentials } = readSetting(options, io, parseParams(options.params ?? []));
  const artifacts = await (io.build ?? (() => builtArtifacts(io.root)))();
  const desiredIn = (region: string, projectId: string): DesiredState =>
    desiredState(service, { stage, region, projectId, artifacts, functions: options.functions });
  // Refused here, naming function and field, when serverless.yml cannot be deployed (a stand-in project id, as long as a real one).
  for (const fn of desiredIn(regions[0] as string, '0'.repeat(32)).functions) for (const value of Object.values(fn.encryptedUserData)) maskLater(value.reveal());

  return withTargets(regions, credentials, io, async (targets) => {
    const plans = await planEveryRegion(targets, owner, (observed, target) =>
      planDeploy(observed, desiredIn(target.region, target.projectId), { prune: options.prune ?? false }));
    const refused = plans.filter(({ plan }) => plan.conflicts.length > 0);
    if (options.plan || refused.length > 0) {
      for (const { plan } of plans) print(io.stdout, describePlan(plan));
      if (refused.length > 0) {
        print(io.stderr, `warden deploy: nothing was written: ${refused.map(({ plan }) => plan.region).join(', ')} ${refused.length === 1 ? 'holds' : 'hold'} a function of a wanted name that warden deploy did not create`);
        return 1;
      }
      return 0;
    }
    return applyAll('deploy', plans, io);
  });
}

export async function removeCommand(options: RemoveOptions, io: CommandIo): Promise<number> {
  const { owner, regions, credentials } = readSetting(options, io);
  return withTargets(regions, credentials, io, async (targets) => {
    const plans = await planEveryRegion(targets, owner, (observed, target) => planRemove(observed, { ...owner, region: target.region }, options.functions));
    if (options.plan) {
      for (const { plan } of plans) print(io.stdout, describePlan(plan).replace('up to date: nothing to change', 'nothing to remove'));
      return 0;
    }
    return applyAll('remove', plans, io);
  });
}

export async function infoCommand(options: TargetOptions, io: CommandIo): Promise<number> {
  const { service, stage, owner, regions, credentials } = readSetting(options, io);
  const local = localDigests(io.root, service);
  return withTargets(regions, credentials, io, async (targets) => {
    print(io.stdout, `${service.service} (stage ${stage}); code compared with ${Object.keys(local).length > 0 ? 'dist/<function>.zip' : 'no local build (run npm run build)'}`);
    for (const target of targets) print(io.stdout, describeDeployed(target.region, deployedFunctions(await observeRegion(target.fg, owner), owner, local)));
    return 0;
  });
}

/** Applies each region's plan in turn; after a failure the regions left are not reached. */
async function applyAll(verb: 'deploy' | 'remove', plans: ReadonlyArray<{ target: Target; plan: DeployPlan }>, io: CommandIo): Promise<number> {
  let failedIn: string | undefined;
  let calls = 0;
  for (const { target, plan } of plans) {
    if (failedIn !== undefined) {
      print(io.stdout, `${header(plan)}\n  not reached: the ${verb} stopped in ${failedIn}; run it again (${plan.actions.length} call${plan.actions.length === 1 ? '' : 's'} planned here)`);
      continue;
    }
    if (plan.actions.length === 0) {
      print(io.stdout, describePlan(plan).replace('up to date: nothing to change', verb === 'remove' ? 'nothing to remove' : 'up to date: nothing to change'));
      continue;
    }
    const result = await applyPlan(target.fg, plan);
    calls += result.done;
    print(io.stdout, [header(plan), ...result.actions.map(actionLine), ...plan.upToDate.map((name) => `  ${'up to date'.padEnd(31)} ${name}`), ...plan.notes.map((note) => `  note: ${note}`)].join('\n'));
    if (result.failure) failedIn = plan.region;
  }
  if (failedIn !== undefined) {
    print(io.stderr, `warden ${verb}: stopped in ${failedIn} at a call the cloud refused (above, "failed"); what is marked "applied" was done, what is "deferred" or "not reached" was not: run it again to finish`);
    return 1;
  }
  print(io.stdout, calls === 0 ? (verb === 'remove' ? 'nothing to remove' : 'up to date') : `${verb === 'remove' ? 'removed' : 'deployed'}: ${calls} call${calls === 1 ? '' : 's'} made`);
  return 0;
}

function header(plan: DeployPlan): string {
  return `${plan.service} (stage ${plan.stage}) in ${plan.region}:`;
}

function actionLine(action: ReportAction): string {
  return `  ${action.status.padEnd(9)} ${action.kind.padEnd(21)} ${action.target}: ${action.reason ?? ''}`;
}

/**
 * A client per region, each for its project: `HUAWEICLOUD_SDK_PROJECT_ID` for a single region, otherwise the
 * project named after each region among those IAM lists (regions.ts). Clients are closed whatever happens.
 */
async function withTargets(regions: readonly string[], credentials: Credentials, io: CommandIo, run: (targets: readonly Target[]) => Promise<number>): Promise<number> {
  const opened: HuaweiCloud[] = [];
  const open = (region: string, projectId: string) => {
    const cloud = HuaweiCloud.fromEnv(io.env, { region, projectId, credentials });
    opened.push(cloud);
    return cloud;
  };
  try {
    const { known, lookUp } = projectSources(regions, io.env);
    let projects: Record<string, string> = { ...known };
    if (lookUp.length > 0) {
      // KeystoneListAuthProjects is not project-scoped; a password login still needs a project to scope its token.
      const scope = io.env['HUAWEICLOUD_SDK_PROJECT_ID']?.trim();
      if (credentials.type === 'password' && !scope) {
        throw new Error('HUAWEICLOUD_SDK_PROJECT_ID is not set: with an IAM password, warden needs one project of the account to log in to before it can look up each region\'s project');
      }
      const { projects: listed } = await open(lookUp[0] as string, scope || 'project-lookup').iam.listAuthProjects();
      projects = { ...projects, ...projectIdsFor(lookUp, listed) };
    }
    const targets = regions.map((region): Target => {
      const cloud = open(region, projects[region] as string);
      return { region, projectId: projects[region] as string, cloud, fg: cloud.use(FunctionGraphApi) };
    });
    return await run(targets);
  } finally {
    await Promise.all(opened.map((cloud) => cloud.close()));
  }
}

/** What `npm run build` makes, built now into dist/ (all functions, as `npm run build` does: about a second). */
async function builtArtifacts(root: string): Promise<DesiredOptions['artifacts']> {
  const built = await buildFunctions(root, join(root, 'dist'));
  return Object.fromEntries(built.map((fn) => [fn.name, { zip: readFileSync(fn.zip) }]));
}

/** SHA-512 of each function's dist/<function>.zip, where one was built. */
function localDigests(root: string, service: ServiceDefinition): Record<string, string> {
  const digests: Record<string, string> = {};
  for (const name of Object.keys(service.functions)) {
    const path = join(root, 'dist', `${name}.zip`);
    if (existsSync(path)) digests[name] = codeDigest(readFileSync(path));
  }
  return digests;
}

/**
 * Encrypted user data values are masked in everything printed from now on (a cloud error that quoted one, say).
 * Values shorter than 8 characters are left: masking `true` would garble every line, and no secret is that short.
 */
function maskLater(value: string): void {
  if (value.length >= 8) registerSecret(value);
}

function print(write: (text: string) => void, text: string): void {
  write(`${text.split('\n').map((line) => maskSecrets(printable(line))).join('\n')}\n`);
}
