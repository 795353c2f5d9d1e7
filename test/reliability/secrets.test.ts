import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultFixture, startCloud } from '../../local/cloud/index.ts';
import type { Fixture, HostileKind, LocalCloud } from '../../local/cloud/index.ts';
import { signWebhook } from '../../shared/runtime/webhook-auth.ts';
import { apigEnvelope } from './fuzz.ts';
import { createFunction, FUNCTION_NAMES, guardFixture, NOW, pruneFixture, tagFixture, checkFixture } from './support.ts';
import type { FunctionName } from './support.ts';

/**
 * Secrets stay secret: every function, every trigger, success and error paths, run with marker credentials
 * (AK/SK, agency AK/SK + security token + IAM token, IAM password, webhook secret). Every log line, stderr
 * write, report, APIG body, thrown error (message and stack) and SMN message is captured; none may contain a
 * marker.
 */

const M = {
  ak: 'MARKERAKQQQQ00000001',
  sk: 'MarkerSecretKeyZZ-000000000000000000001',
  agencyAk: 'MARKERAGENCYAKQQQ002',
  agencySk: 'MarkerAgencySecretKeyZZ-0000000000000002',
  securityToken: 'MarkerSecurityTokenZZ-0003-abcdefghijklmnop',
  iamToken: 'MarkerIamTokenZZ-0004-abcdefghijklmnop',
  password: 'MarkerIamPasswordZZ-0005',
  webhook: 'MarkerWebhookSecretZZ-0006',
} as const;
const MARKERS = Object.entries(M);

let cloud: LocalCloud;
const captured: string[] = [];
const TOPIC_NAME = 'warden-alerts';

function fixture(): Fixture {
  const base = defaultFixture();
  const user = { ...(base.users[0] as Fixture['users'][number]), ak: M.ak, sk: M.sk, password: M.password };
  const project = { domainId: user.domainId, domainName: user.domainName, projectId: user.projectId };
  return {
    users: [user],
    agencies: [{ agencyName: 'fg-agency', agencyId: 'agency-1', ak: M.agencyAk, sk: M.agencySk, securityToken: M.securityToken, authToken: M.iamToken, ...project }],
    keys: [...(tagFixture(3).keys ?? []), ...(guardFixture(1).keys ?? [])],
    secrets: guardFixture(1).secrets,
    events: pruneFixture(4).events,
    servers: checkFixture(3).servers,
    checkpointItems: checkFixture(3).checkpointItems,
    topics: [{ name: TOPIC_NAME, topic_urn: `urn:smn:cn-north-4:${user.projectId}:${TOPIC_NAME}` }],
  };
}

type Mode = 'aksk' | 'agency' | 'password' | 'wrong-sk' | 'wrong-password';

function envFor(mode: Mode, extra: Record<string, string> = {}): Record<string, string> {
  const id = cloud.identity;
  const base: Record<string, string> = {
    HUAWEICLOUD_REGION: id.region,
    HUAWEICLOUD_SDK_PROJECT_ID: id.projectId,
    HUAWEICLOUD_ENDPOINT_URL: cloud.url,
    HUAWEICLOUD_RETRY_ATTEMPTS: '2',
    HUAWEICLOUD_RETRY_BASE_DELAY_MS: '1',
    WARDEN_WEBHOOK_SECRET: M.webhook,
    WARDEN_KEY_TAGS: '{"team":"payments"}',
    WARDEN_PROTECT_ALIASES: 'prod-*',
    WARDEN_SMN_TOPIC_URN: `urn:smn:cn-north-4:${id.projectId}:${TOPIC_NAME}`,
    ...extra,
  };
  if (mode === 'aksk') Object.assign(base, { HUAWEICLOUD_SDK_AK: M.ak, HUAWEICLOUD_SDK_SK: M.sk });
  if (mode === 'wrong-sk') Object.assign(base, { HUAWEICLOUD_SDK_AK: M.ak, HUAWEICLOUD_SDK_SK: `${M.sk}-wrong` });
  if (mode === 'password' || mode === 'wrong-password') {
    Object.assign(base, { HUAWEICLOUD_SDK_IAM_USER: id.userName, HUAWEICLOUD_SDK_IAM_DOMAIN: id.domainName, HUAWEICLOUD_SDK_IAM_PASSWORD: mode === 'password' ? M.password : `${M.password}-wrong` });
  }
  return base;
}

function fgContext(withAgency: boolean): Record<string, unknown> {
  return {
    getRequestID: () => 'req-secrets',
    getRemainingTimeInMilliSeconds: () => 60_000,
    getUserData: () => undefined,
    ...(withAgency
      ? { getSecurityAccessKey: () => M.agencyAk, getSecuritySecretKey: () => M.agencySk, getSecurityToken: () => M.securityToken, getToken: () => M.iamToken }
      : {}),
  };
}

const TRACE = (name: string, keyId: string) => ({
  cts: {
    trace_id: 't-1',
    trace_name: name,
    trace_type: 'ApiCall',
    service_type: 'KMS',
    resource_type: 'cmk',
    resource_id: keyId,
    time: NOW.getTime(),
    user: { name: 'alice', domain: { name: 'acme', id: 'd' } },
  },
});

function events(fn: FunctionName): Array<{ label: string; event: unknown }> {
  const now = Math.floor(Date.now() / 1000);
  const signed = (body: string, secret: string = M.webhook) => apigEnvelope(body, { 'x-warden-signature': signWebhook(body, secret, now) });
  const out: Array<{ label: string; event: unknown }> = [
    { label: 'timer', event: { version: 'v1.0', time: NOW.toISOString(), trigger_type: 'TIMER', trigger_name: 'sweep', user_event: '' } },
    { label: 'apig sweep', event: signed('') },
    { label: 'apig forged', event: signed('', `${M.webhook}-old`) },
    { label: 'apig unsigned', event: apigEnvelope('', {}) },
    { label: 'apig bad json', event: signed('{"cts": ') },
    { label: 'apig secret in body', event: signed(JSON.stringify({ cts: { password: M.password, token: M.securityToken } })) },
    { label: 'apig secret in header', event: apigEnvelope('', { 'x-warden-signature': `t=${now},v1=${M.webhook}`, authorization: M.sk }) },
  ];
  if (fn === 'tag-new-keys') out.push({ label: 'cts', event: TRACE('createKey', (tagFixture(3).keys ?? [])[0]?.key_id ?? '') });
  if (fn === 'guard-key-deletion') out.push({ label: 'cts', event: TRACE('scheduleKeyDeletion', (guardFixture(1).keys ?? [])[0]?.key_id ?? '') });
  return out;
}

function record(value: unknown): void {
  if (value instanceof Error) captured.push(`${value.name}: ${value.message}\n${value.stack ?? ''}\n${JSON.stringify(value)}`);
  else captured.push(typeof value === 'string' ? value : JSON.stringify(value) ?? String(value));
}

async function runAll(mode: Mode, extra: Record<string, string> = {}, faults?: { kind: '500' | 'reset' | HostileKind }): Promise<number> {
  let runs = 0;
  for (const fn of FUNCTION_NAMES) {
    cloud.reset();
    if (faults) cloud.setFaults({ seed: 3, rate: { [faults.kind]: 0.5 }, when: 'both', retryAfterSeconds: 0 });
    else cloud.setFaults(undefined);
    const handler = createFunction(fn, { env: envFor(mode, extra), now: () => NOW, logSink: (line) => captured.push(line) });
    for (const { event } of events(fn)) {
      runs++;
      try {
        record(await handler(structuredClone(event), fgContext(mode === 'agency')));
      } catch (error) {
        record(error);
      }
    }
    record(cloud.state.messages);
  }
  return runs;
}

const writes: string[] = [];
beforeAll(async () => {
  cloud = await startCloud({ port: 0, fixture: fixture() });
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      writes.push(String(chunk));
      return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write);
  }
});
afterAll(async () => {
  vi.restoreAllMocks();
  await cloud.close();
});

function leaks(): string[] {
  const all = [...captured, ...writes];
  const found: string[] = [];
  for (const [name, marker] of MARKERS) {
    const at = all.find((text) => text.includes(marker) || text.includes(encodeURIComponent(marker)));
    if (at) found.push(`${name} in: ${at.slice(0, 300)}`);
  }
  return found;
}

describe('no marker credential ever leaks', () => {
  it.each<[string, Mode, Record<string, string>, { kind: '500' | 'reset' | HostileKind } | undefined, RegExp]>([
    ['AK/SK from the environment', 'aksk', {}, undefined, /"status":"applied"/],
    ['agency credentials from the context', 'agency', {}, undefined, /"status":"applied"/],
    ['IAM password', 'password', {}, undefined, /"status":"applied"/],
    ['a wrong SK (the cloud refuses the signature)', 'wrong-sk', {}, undefined, /APIGW\.0301/],
    ['a wrong IAM password', 'wrong-password', {}, undefined, /iam\.createTokenByPassword failed/],
    ['50% 500s', 'aksk', {}, { kind: '500' }, /HTTP 500|\.0001|"status":"failed"/],
    ['50% connection resets', 'agency', {}, { kind: 'reset' }, /WARDEN\.NETWORK|"status":"applied"/],
    ['50% error bodies in 200s', 'password', {}, { kind: 'error-200' }, /APIGW\.0308/],
    ['50% malformed JSON', 'aksk', {}, { kind: 'malformed-json' }, /not valid JSON/],
    ['an invalid configuration', 'aksk', { WARDEN_CONCURRENCY: M.webhook }, undefined, /WARDEN_CONCURRENCY/],
    ['dry run', 'agency', { WARDEN_DRY_RUN: 'true' }, undefined, /"status":"planned"/],
  ])('%s', async (_label, mode, extra, faults, seen) => {
    const before = captured.length;
    const runs = await runAll(mode, extra, faults);
    expect(runs).toBeGreaterThanOrEqual(30);
    expect([...captured.slice(before)].join('\n')).toMatch(seen);
    expect(leaks()).toEqual([]);
  });

  it('captured output from every function (sanity: the test saw what it checks)', () => {
    const text = captured.join('\n');
    for (const fn of FUNCTION_NAMES) expect(text).toContain(fn);
    expect(text).toContain('[redacted]');
  });
});
