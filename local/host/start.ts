import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadFixture, startCloud } from '../cloud/index.ts';
import type { Fixture, LocalCloud } from '../cloud/index.ts';
import { demoFixture } from './demo-fixture.ts';
import { startHost } from './host.ts';
import type { Host } from './host.ts';
import { liveLog } from './live-log.ts';
import { describeSchedule } from './schedule.ts';
import { labelOf } from './status.ts';
import { listening, parsePort, waitForSignal } from '../lifecycle.ts';
import { EXAMPLE_BODY, signedCurl } from './webhook-secrets.ts';
import type { WebhookSecret } from './webhook-secrets.ts';

/**
 * `warden start`: the local cloud seeded with the demo data, every function of serverless.yml hosted with its
 * triggers, a banner saying how to call both, then the live log until Ctrl-C.
 */

export interface StartIo {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean };
  readonly stderr: { write(text: string): unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The package root: serverless.yml and functions/ are found here whatever the working directory. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** `warden start`'s options (cli/main.ts checks them first, answering a wrong one in the CLI's words). */
export const START_OPTIONS = {
  port: { type: 'string' },
  'cloud-port': { type: 'string' },
  seed: { type: 'string' },
  'time-scale': { type: 'string' },
  verbose: { type: 'boolean', default: false },
} as const;

export async function start(argv: readonly string[], io: StartIo = process): Promise<number> {
  const { values } = parseArgs({ args: [...argv], options: START_OPTIONS, strict: true });
  const port = parsePort(values.port ?? io.env['PORT'] ?? '3000', values.port !== undefined ? '--port' : 'PORT');
  const cloudPort = parsePort(values['cloud-port'] ?? io.env['WARDEN_CLOUD_PORT'] ?? '4000', values['cloud-port'] !== undefined ? '--cloud-port' : 'WARDEN_CLOUD_PORT');
  if (port !== 0 && port === cloudPort) throw new Error(`the host and the local cloud need different ports (both ${port}): use --port or --cloud-port`);
  const timeScale = values['time-scale'] === undefined ? 1 : Number(values['time-scale']);
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new Error(`--time-scale must be a positive number, got ${JSON.stringify(values['time-scale'])}`);
  const fixture: Fixture = values.seed === undefined ? demoFixture() : loadFixture(values.seed);
  // Listening from the start: a Ctrl-C while starting (or right after the banner) still stops cleanly.
  const signal = waitForSignal();

  const cloud = await listening(startCloud({ port: cloudPort, host: '127.0.0.1', fixture }), cloudPort, 'the local cloud', '--cloud-port N or WARDEN_CLOUD_PORT=N');
  let host: Host;
  try {
    host = await listening(
      startHost({
        cloud,
        root: PACKAGE_ROOT,
        port,
        userEnv: io.env,
        timeScale,
        ...(values.verbose ? { functionLog: (line: string) => void io.stderr.write(`${line}\n`) } : {}),
      }),
      port,
      'the host',
      '--port N or PORT=N',
    );
  } catch (error) {
    await cloud.close();
    throw error;
  }

  const color = io.stdout.isTTY === true && !io.env['NO_COLOR'];
  const unsubscribe = host.onEvent(
    liveLog({
      write: (text) => void io.stdout.write(text),
      color,
      nameWidth: Math.max(...host.functions.map((fn) => fn.name.length)),
      label: (target) => labelOf(cloud, target),
    }),
  );
  io.stdout.write(banner(host, cloud, fixture, values.seed, color));
  for (const warning of host.configurationWarnings) io.stderr.write(`warning: ${warning}\n`);

  await signal;
  io.stdout.write('\nstopping: timers cleared, waiting for running invocations…\n');
  unsubscribe();
  await host.close();
  await cloud.close();
  io.stdout.write('stopped.\n');
  return 0;
}

function banner(host: Host, cloud: LocalCloud, fixture: Fixture, seed: string | undefined, color: boolean): string {
  const bold = (text: string) => (color ? `\u001b[1m${text}\u001b[0m` : text);
  const dim = (text: string) => (color ? `\u001b[2m${text}\u001b[0m` : text);
  const { identity } = cloud;
  const width = Math.max(...host.functions.map((fn) => fn.name.length)) + 2;
  const data = seed
    ? `seeded from ${seed}`
    : `demo data: ${fixture.keys?.length ?? 0} keys, ${fixture.secrets?.length ?? 0} secrets, ${fixture.events?.length ?? 0} events, ${fixture.servers?.length ?? 0} servers`;

  const functions = host.functions.map((fn) => {
    const triggers: string[] = [];
    for (const trigger of fn.triggers) {
      if (trigger.triggerTypeCode === 'CTS') triggers.push(`CTS ${trigger.eventData.operations.join(', ')}`);
      if (trigger.triggerTypeCode === 'APIG') triggers.push(`${trigger.eventData.reqMethod} ${trigger.eventData.path}`);
    }
    for (const job of host.timers) if (job.fn === fn) triggers.push(`TIMER ${describeSchedule(job.schedule)}`);
    return `  ${fn.name.padEnd(width)}${triggers.join(dim(' · '))}`;
  });

  const webhooks = webhookLines(host, dim);
  return [
    '',
    `${bold('hwc-warden')} runs serverless.yml's functions locally, against an embedded Huawei Cloud.`,
    '',
    `  status page   ${bold(`${host.url}/`)}`,
    `  local cloud   ${cloud.url}   ${dim(`(KMS, CSMS, CSBS, CBR, ECS, CTS, SMN, IAM, FunctionGraph; ${data})`)}`,
    '',
    bold('functions'),
    ...functions,
    '',
    `${bold('the local cloud')} ${dim('(warden api signs with its demo credentials; they open nothing but this local cloud)')}`,
    `  npx warden api kms createKey '{"key_alias":"demo/new"}'${cloud.port === 4000 ? '' : ` --cloud-port ${cloud.port}`}   ${dim('# tag-new-keys tags it: watch the live log')}`,
    `  npx warden api --list   ${dim('# every operation, with the fields it requires')}`,
    `  export HUAWEICLOUD_ENDPOINT_URL=${cloud.url} HUAWEICLOUD_REGION=${identity.region} HUAWEICLOUD_SDK_PROJECT_ID=${identity.projectId}`,
    `  export HUAWEICLOUD_SDK_AK=${identity.ak} HUAWEICLOUD_SDK_SK=${identity.sk}`,
    `  ${dim('# creating a key or scheduling its deletion there fires the CTS triggers above')}`,
    '',
    ...(webhooks.length ? [`${bold('webhooks')} ${dim('(signed: X-Warden-Signature: t=<unix time>,v1=<HMAC-SHA256 of "<t>.<body>">)')}`, ...webhooks, ''] : []),
    `${bold('live log')} ${dim('(Ctrl-C stops)')}`,
    '',
  ].join('\n');
}

/**
 * Each function's own webhook secret (exported, when generated for this run) and a signed curl per APIG route,
 * reading that function's secret: a request signed for one route is refused by the others.
 */
function webhookLines(host: Host, dim: (text: string) => string): string[] {
  const routed = host.functions.filter((fn) => host.routes.some((route) => route.fn === fn));
  if (routed.length === 0) return [];
  const lines: string[] = [];
  for (const fn of routed) {
    const secret = host.webhookSecrets[fn.name] as WebhookSecret;
    lines.push(
      secret.source === 'generated'
        ? `  export ${secret.variable}=${secret.value}`
        : `  ${dim(`# ${fn.name}: the webhook secret is ${secret.variable} ${secret.source === 'environment' ? 'from your environment' : 'as given'}`)}`,
    );
  }
  lines.push(`  ${dim('# one secret per function, generated for this run unless you set WARDEN_WEBHOOK_SECRET_<FUNCTION>')}`);
  for (const fn of routed) {
    const route = host.routes.find((r) => r.fn === fn && (r.method === 'POST' || r.method === 'ANY')) ?? host.routes.find((r) => r.fn === fn);
    if (route) lines.push(`  ${signedCurl(`${host.url}${route.path}`, (host.webhookSecrets[fn.name] as WebhookSecret).variable)}`);
  }
  lines.push(`  ${dim(`# ${EXAMPLE_BODY} only plans; {} runs the sweep for real; {"cts": <trace>} acts on one resource`)}`);
  return lines;
}
