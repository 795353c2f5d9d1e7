import { join, relative } from 'node:path';
import { buildFunctions } from '../deploy/build.ts';
import { loadFixture, startCloud } from '../local/cloud/index.ts';
import { start, START_OPTIONS } from '../local/host/index.ts';
import { DEPLOY_COMMANDS, DEPLOY_USAGE, deployCli } from './deploy.ts';
import { apiCommand } from './api.ts';
import { eventsCommand } from './events.ts';
import { COMMAND_USAGE } from './usage.ts';
import { parseCommand } from './options.ts';
import { invokeCommand } from './invoke-command.ts';
import { version } from './version.ts';
import { printable, printableJson } from '../shared/runtime/printable.ts';
import { listening, parsePort, waitForSignal } from '../local/lifecycle.ts';

/** The project root: serverless.yml, functions/ and dist/ are found from here, whatever the working directory. */
const ROOT = join(import.meta.dirname, '..');

const USAGE = `usage: warden <command> [options]

commands:
  start [--port N] [--cloud-port N] [--seed fixture.json] [--time-scale X] [--verbose]
                                           run serverless.yml's functions with their triggers against the local
                                           cloud, seeded with demo data; status page on :3000 (what npm start runs)
  invoke <function> (--event <file|-> | --data '<json>') [--dry-run] [--raw] [--local [--seed fixture.json]]
         [--user-data-from-serverless]     run one handler once; its report JSON on stdout, logs on stderr;
                                           the real cloud from HUAWEICLOUD_*, or --local: a fresh embedded cloud
  api <service> <operation> [json | @file | -] [--local | --from-env]   (api --list: every operation)
                                           call one Huawei Cloud API operation, signed; its answer as JSON; the
                                           embedded cloud of npm start by default
  events <function> <trigger> [--out file] write a sample event for warden invoke
  cloud [--port N] [--seed fixture.json]   run the embedded Huawei Cloud alone
  build [--code-cache]                     bundle each function into dist/<function>/ (index.js, bundle.js) and a
                                           zip; --code-cache adds V8's code cache, used only by this exact Node
${DEPLOY_USAGE}
warden <command> --help shows a command's options; warden --version its version.
`;

/** Entry point of `warden`; returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== undefined && (rest.includes('--help') || rest.includes('-h'))) {
    process.stdout.write(COMMAND_USAGE[command] ?? (DEPLOY_COMMANDS.includes(command as (typeof DEPLOY_COMMANDS)[number]) ? `usage: warden ${command} [options]\n\n${DEPLOY_USAGE}` : USAGE));
    return 0;
  }
  if (DEPLOY_COMMANDS.includes(command as (typeof DEPLOY_COMMANDS)[number])) return deployCli(command as (typeof DEPLOY_COMMANDS)[number], rest);
  try {
    switch (command) {
      case 'invoke':
        return await invokeCommand(ROOT, rest);
      case 'api':
        return await apiCommand(rest);
      case 'events':
        return eventsCommand(ROOT, rest);
      case '--version':
      case '-v':
      case 'version':
        process.stdout.write(`warden ${version(ROOT)}\n`);
        return 0;
      case 'start':
        parseCommand('start', rest, START_OPTIONS);
        return await start(rest);
      case 'cloud':
        return await cloud(rest);
      case 'build':
        return await buildAll(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        process.stderr.write(`warden: unknown command ${printableJson(JSON.stringify(command))}\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    // An error may quote the cloud (an HwcError's message): its control characters are escaped.
    process.stderr.write(`warden ${printable(command ?? '')}: ${printable(error instanceof Error ? error.message : String(error))}\n`);
    return 1;
  }
}

async function cloud(argv: readonly string[]): Promise<number> {
  const { values } = parseCommand('cloud', argv, { port: { type: 'string' }, seed: { type: 'string' }, host: { type: 'string' } });
  const port = parsePort(values.port ?? process.env['WARDEN_CLOUD_PORT'] ?? '4000', values.port !== undefined ? '--port' : 'WARDEN_CLOUD_PORT');
  const fixture = values.seed === undefined ? undefined : loadFixture(values.seed);
  const starting = startCloud({ port, host: values.host ?? '127.0.0.1', ...(fixture ? { fixture } : {}) });
  const cloud = await listening(starting, port, 'the local cloud', '--port');
  const { identity } = cloud;
  process.stdout.write(
    [
      `local Huawei Cloud listening on ${cloud.url} (KMS, CSMS, CSBS, SMN, IAM)`,
      `  region ${identity.region}, project ${identity.projectId}`,
      `  export HUAWEICLOUD_ENDPOINT_URL=${cloud.url} HUAWEICLOUD_REGION=${identity.region} HUAWEICLOUD_SDK_PROJECT_ID=${identity.projectId}`,
      `  export HUAWEICLOUD_SDK_AK=${identity.ak} HUAWEICLOUD_SDK_SK=${identity.sk}   # demo credentials of the local cloud only`,
      `  state: ${cloud.url}/__admin/state   Ctrl-C stops`,
      '',
    ].join('\n'),
  );
  await waitForSignal();
  await cloud.close();
  return 0;
}

async function buildAll(argv: readonly string[]): Promise<number> {
  const { values } = parseCommand('build', argv, { 'code-cache': { type: 'boolean' } });
  const root = ROOT;
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  for (const fn of await buildFunctions(root, undefined, { codeCache: values['code-cache'] ?? false })) {
    const cache = fn.cache === undefined ? '' : `   code cache ${kb(fn.cacheBytes)}`;
    process.stdout.write(`${fn.name.padEnd(22)} ${relative(root, fn.code).padEnd(38)} ${kb(fn.bytes).padStart(9)}${cache}   zip ${kb(fn.zipBytes)}\n`);
  }
  return 0;
}
