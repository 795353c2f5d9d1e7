import { signWebhook } from '../../shared/runtime/webhook-auth.ts';
import { mulberry32 } from '../../local/cloud/faults.ts';

/**
 * Hostile APIG webhooks, generated deterministically from a seed. Every case must be refused with a 4xx
 * before anything is done. Shared by the reliability tests and `npm run soak`.
 */

export const FUZZ_CATEGORIES = [
  'unsigned',
  'forged',
  'expired',
  'future',
  'malformed-signature',
  'replayed',
  'malformed-json',
  'wrong-types',
  'huge-body',
  'huge-base64',
  'deep-nesting',
  'unicode',
  'invalid-utf8',
  'prototype-pollution',
  'not-an-object',
  'bad-base64',
  'bad-envelope',
  'query-parameters',
  'dry-run-values',
] as const;
export type FuzzCategory = (typeof FUZZ_CATEGORIES)[number];

export interface FuzzCase {
  readonly category: FuzzCategory;
  readonly event: Record<string, unknown>;
  /** For `replayed`: the first, legitimate-looking sending of the same signed request. */
  readonly first?: Record<string, unknown>;
}

export interface FuzzOptions {
  readonly secret: string;
  /** The body limit the function under test is configured with. */
  readonly maxBytes: number;
  /** Unix seconds. */
  readonly now: number;
}

type Rng = () => number;

const TRACE = {
  trace_id: 'a1b2c3d4-e5f6-4a1b-8c2d-0e1f2a3b4c5d',
  trace_name: 'createKey',
  trace_type: 'ApiCall',
  service_type: 'KMS',
  resource_type: 'cmk',
  resource_id: '0d0466b0-e727-4d9c-b35d-f84bb474a37f',
  time: 1717200000000,
  user: { name: 'alice', domain: { name: 'acme', id: '7d2c4e6f8a0b1c3d5e7f9a1b3c5d7e9f' } },
};
/** Fields the trace schema requires, and values it must refuse for them. */
const REQUIRED = ['trace_id', 'trace_name', 'service_type', 'time', 'user'] as const;
const WRONG: readonly unknown[] = [null, 42, -1.5, true, [], ['x'], {}, { a: 1 }, '', 1e309];
const WRONG_TIME: readonly unknown[] = [null, true, [], ['x'], {}, '', 'not a time', 'yesterday', 1e309];

/** Query strings people try: every one is refused, whatever the body says (the signature does not cover them). */
const QUERIES: readonly Record<string, unknown>[] = [
  { dryRun: 'true' },
  { dryrun: 'true' },
  { dryRun: '' },
  { dryRun: 'yes-please' },
  { 'dry-run': 'true' },
  { dry_run: '1' },
  { dryRun: 'false' },
  { dryRun: ['true', 'false'] },
  { DRYRUN: 'TRUE' },
  { verbose: '1' },
  { '': '' },
  { force: 'true', dryRun: 'true' },
];
/** Bodies that choose a dry run in a way that is not `"dryRun": <JSON boolean>` at the top level. */
const NOT_A_DRY_RUN_CHOICE: readonly unknown[] = [
  { dryRun: 'true' },
  { dryRun: 'false' },
  { dryRun: 1 },
  { dryRun: 0 },
  { dryRun: null },
  { dryRun: [] },
  { dryRun: {} },
  { dryRun: 'yes-please' },
  { dryRun: '' },
  { dry_run: true },
  { dryrun: true },
  { 'dry-run': true },
  { DryRun: false },
  { dryRun: true, force: true },
  { cts: TRACE, dryRun: 'true' },
  { cts: { ...TRACE, dryRun: true } },
  { ...TRACE, dryRun: true },
  { cts: TRACE, dry_run: true },
];

const UNICODE = ['\u202e', '\u0000', '\ud800', '\udfff', '😀', '𝕏', '\u200b', 'ﷺ', '\uFEFF', 'Å', '\u0301', '漢字', '\u2028'];
const POLLUTION = ['__proto__', 'constructor', 'prototype'];

export function apigEnvelope(body: string, headers: Record<string, unknown>, isBase64Encoded: unknown = false): Record<string, unknown> {
  return {
    body,
    requestContext: { apiId: 'api', requestId: 'fuzz', stage: 'RELEASE' },
    queryStringParameters: {},
    httpMethod: 'POST',
    pathParameters: {},
    headers: { 'content-type': 'application/json', ...headers },
    path: '/hook',
    isBase64Encoded,
  };
}

export function* fuzzCases(seed: number, count: number, options: FuzzOptions): Generator<FuzzCase> {
  const rng = mulberry32(seed);
  for (let i = 0; i < count; i++) {
    const category = FUZZ_CATEGORIES[i % FUZZ_CATEGORIES.length] as FuzzCategory;
    yield makeCase(category, rng, options, i);
  }
}

function makeCase(category: FuzzCategory, rng: Rng, o: FuzzOptions, i: number): FuzzCase {
  const signed = (body: string | Buffer, extra: Record<string, unknown> = {}, base64 = false): Record<string, unknown> =>
    apigEnvelope(base64 ? Buffer.from(body).toString('base64') : String(body), { 'x-warden-signature': signWebhook(body, o.secret, o.now), ...extra }, base64);
  const anyBody = () => pick(rng, [JSON.stringify(TRACE), '', '{}', randomText(rng, 200), JSON.stringify({ cts: TRACE })]);
  switch (category) {
    case 'unsigned':
      return { category, event: apigEnvelope(anyBody(), pick(rng, [{}, { 'x-warden-signature': '' }, { 'x-warden-signature': '   ' }, { 'x-other': 'v' }])) };
    case 'forged': {
      const body = anyBody();
      const header = pick(rng, [
        signWebhook(body, `${o.secret}x`, o.now),
        signWebhook(`${body} `, o.secret, o.now),
        `t=${o.now},v1=${hex(rng, 64)}`,
        `t=${o.now + 1},v1=${signWebhook(body, o.secret, o.now).split('v1=')[1]}`,
        `t=${o.now},v1=${hex(rng, 64)},v1=${hex(rng, 64)}`,
      ]);
      return { category, event: apigEnvelope(body, { 'X-Warden-Signature': header }) };
    }
    case 'expired':
    case 'future': {
      const body = anyBody();
      const skew = 301 + Math.floor(rng() * 10_000_000);
      return { category, event: apigEnvelope(body, { 'x-warden-signature': signWebhook(body, o.secret, category === 'expired' ? o.now - skew : o.now + skew) }) };
    }
    case 'malformed-signature': {
      const header = pick(rng, [
        'garbage',
        't=,v1=',
        `t=${o.now}`,
        `v1=${hex(rng, 64)}`,
        `t=abc,v1=${hex(rng, 64)}`,
        `t=${o.now},v1=${hex(rng, 63)}`,
        `t=${o.now},v1=${'z'.repeat(64)}`,
        `t=${o.now},t=${o.now},v1=${hex(rng, 64)}`,
        `t=${o.now},${Array.from({ length: 9 }, () => `v1=${hex(rng, 64)}`).join(',')}`,
        `t=${o.now},v1=${hex(rng, 64)}`.padEnd(2000, ','),
        `t=${o.now}${pick(rng, UNICODE)},v1=${hex(rng, 64)}`,
        '=,=,=',
      ]);
      return { category, event: apigEnvelope(anyBody(), { 'x-warden-signature': header }) };
    }
    case 'replayed': {
      // A correctly signed request whose body is refused anyway (so the first sending does nothing either).
      const body = JSON.stringify({ ...TRACE, time: `replay-${i}` });
      const event = signed(body);
      return { category, first: event, event: { ...event } };
    }
    case 'malformed-json': {
      const valid = JSON.stringify({ cts: TRACE });
      const body = pick(rng, [
        valid.slice(0, 1 + Math.floor(rng() * (valid.length - 2))), // never empty: an empty body is a valid sweep
        `${valid}}`,
        valid.replace(/"/g, "'"),
        '{"a":1,}',
        "{'cts': 1}",
        'NaN',
        '{"a": undefined}',
        randomText(rng, 100) + '{',
        '[1,2',
        `{"x":"${'\\u12'}"}`,
      ]);
      return { category, event: signed(body) };
    }
    case 'wrong-types': {
      const field = pick(rng, REQUIRED);
      const trace: Record<string, unknown> = { ...TRACE, [field]: pick(rng, field === 'time' ? WRONG_TIME : WRONG) };
      if (rng() < 0.3) delete trace[field];
      const body = JSON.stringify(rng() < 0.5 ? { cts: trace } : trace);
      return { category, event: signed(body) };
    }
    case 'huge-body': {
      const size = o.maxBytes + 1 + Math.floor(rng() * o.maxBytes * 3);
      const body = JSON.stringify({ cts: { ...TRACE, pad: 'x'.repeat(size) } });
      // Signed or not: the size limit comes first.
      return { category, event: rng() < 0.5 ? signed(body) : apigEnvelope(body, {}) };
    }
    case 'huge-base64': {
      const size = o.maxBytes + 1 + Math.floor(rng() * o.maxBytes);
      return { category, event: apigEnvelope('A'.repeat(Math.ceil((size * 4) / 3) + 4), { 'x-warden-signature': `t=${o.now},v1=${hex(rng, 64)}` }, true) };
    }
    case 'deep-nesting': {
      const depth = 33 + Math.floor(rng() * 5000);
      const open = pick(rng, ['[', '{"a":']);
      const close = open === '[' ? ']' : '}';
      const body = `{"cts":${open.repeat(depth)}1${close.repeat(depth)}}`;
      return { category, event: signed(body.length > o.maxBytes ? body.slice(0, o.maxBytes) : body) };
    }
    case 'unicode': {
      const u = () => Array.from({ length: 1 + Math.floor(rng() * 8) }, () => pick(rng, UNICODE)).join('');
      // Unicode everywhere it may go, and a user the schema refuses (so the trace is never acted on).
      const field = pick(rng, ['time', 'trace_name', 'resource_id', 'service_type', 'resource_name'] as const);
      const user = pick(rng, [{ name: u(), domain: u() }, { name: 5, domain: { name: u(), id: u() } }, u()]);
      const body = JSON.stringify({ cts: { ...TRACE, [field]: u(), user, [u()]: u() } });
      return { category, event: signed(body) };
    }
    case 'invalid-utf8': {
      const bytes = Buffer.concat([Buffer.from('{"cts":"'), Buffer.from([0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80].slice(0, 1 + Math.floor(rng() * 7))), Buffer.from('"}')]);
      return { category, event: signed(bytes, {}, true) };
    }
    case 'prototype-pollution': {
      const key = pick(rng, POLLUTION);
      const inner = `{"${key}":{"polluted":true,"isAdmin":true}}`;
      const body = pick(rng, [
        inner,
        `{"cts":${inner}}`,
        `{"cts":{"user":${inner}}}`,
        `{"cts":${JSON.stringify(TRACE).slice(0, -1)},"${key}":{"x":1}}}`,
        `[${inner}]`,
        `{"a":{"b":{"c":${inner}}}}`,
      ]);
      return { category, event: signed(body) };
    }
    case 'not-an-object':
      return { category, event: signed(pick(rng, ['null', '1', '"text"', 'true', '[]', '[{"cts":{}}]', '  \n\t 0 '])) };
    case 'bad-base64':
      return { category, event: apigEnvelope(pick(rng, ['!!!!', 'abc', 'a===', '%%%%', 'YQ=a']), { 'x-warden-signature': `t=${o.now},v1=${hex(rng, 64)}` }, true) };
    case 'bad-envelope': {
      const body = JSON.stringify({ cts: TRACE });
      const good = signed(body);
      const broken = pick(rng, [
        { ...good, headers: 'x-warden-signature: t=1' },
        { ...good, headers: { 'x-warden-signature': { t: o.now } } },
        { ...good, body: 12345 },
        { ...good, body: { cts: TRACE } },
        { ...good, isBase64Encoded: 'maybe' },
        { ...good, path: 7 },
        { ...good, requestContext: { requestId: 5 } },
        { ...good, queryStringParameters: [['dryRun', 'false']] },
        JSON.parse(`{"httpMethod":"POST","requestContext":{},"__proto__":{"body":"${'x'}"}}`) as Record<string, unknown>,
      ]);
      return { category, event: broken as Record<string, unknown> };
    }
    case 'query-parameters': {
      // A body that would run if the query were ignored: a sweep, a dry-run sweep, or a trace.
      const body = pick(rng, ['', '{}', '{"dryRun":true}', '{"dryRun":false}', JSON.stringify({ cts: TRACE })]);
      const query = rng() < 0.2 ? { [randomText(rng, 12)]: randomText(rng, 12) } : pick(rng, QUERIES);
      return { category, event: { ...signed(body), queryStringParameters: query } };
    }
    case 'dry-run-values':
      return { category, event: signed(JSON.stringify(pick(rng, NOT_A_DRY_RUN_CHOICE))) };
  }
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)] as T;
}

function hex(rng: Rng, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += Math.floor(rng() * 16).toString(16);
  return out;
}

function randomText(rng: Rng, max: number): string {
  const length = Math.floor(rng() * max);
  let out = '';
  for (let i = 0; i < length; i++) out += rng() < 0.1 ? pick(rng, UNICODE) : String.fromCharCode(32 + Math.floor(rng() * 95));
  return out;
}
