import { randomUUID } from 'node:crypto';
import type { ApiContext, ApiResult, Route } from './api.ts';
import { charLength } from './api.ts';
import { ApiError } from './errors.ts';
import type { FixtureTrace, FixtureUser } from './fixture.ts';
import type { CtsTrace } from './traces.ts';

/**
 * CTS ListTraces (`GET /v3/{project_id}/traces`): the traces the cloud recorded (traces.ts), as the real CTS
 * answers them: management traces of the caller's project from the last seven days only (older ones are
 * never listed, whatever `from` says), newest first, filtered, `limit` a page (default 10, at most 200), each
 * page's last trace id as `meta_data.marker` while more follow (null on the last page), and `next=<marker>`
 * for the traces before it. `request`, `response` and `code` come as text, as the document types them.
 * Errors are top-level `{"error_code","error_msg"}`.
 */

export const CTS_RETENTION_MS = 7 * 86_400_000;
const DEFAULT_WINDOW_MS = 3_600_000;
const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 200;
const FIRST_MS = 946_656_000_000;
const LAST_MS = 4_102_416_000_000;
const RATINGS = new Set(['normal', 'warning', 'incident']);

const invalid = (what: string) => new ApiError(400, 'CTS.0003', `Invalid query parameter: ${what}.`);

interface Filter {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly matches: (trace: CtsTrace['cts'], value: string) => boolean;
}

const FILTERS: readonly Filter[] = [
  { name: 'service_type', min: 1, max: 32, matches: (t, v) => t.service_type === v },
  { name: 'resource_type', min: 1, max: 100, matches: (t, v) => t.resource_type === v },
  { name: 'resource_id', min: 0, max: 350, matches: (t, v) => t.resource_id === v },
  { name: 'resource_name', min: 1, max: 300, matches: (t, v) => t.resource_name === v },
  { name: 'trace_name', min: 1, max: 100, matches: (t, v) => t.trace_name === v },
  { name: 'user', min: 1, max: 1024, matches: (t, v) => t.user.name === v },
  { name: 'trace_rating', min: 5, max: 10, matches: (t, v) => t.trace_rating === v },
];

/** Query parameters the document lists that the embedded cloud cannot answer (it records neither). */
const NOT_EMULATED = ['access_key_id', 'enterprise_project_id'];

function timestamp(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  if (!/^\d{13}$/.test(value)) throw invalid(`${name} must be a 13-digit UTC millisecond timestamp`);
  const ms = Number(value);
  if (ms < FIRST_MS || ms > LAST_MS) throw invalid(`${name} is out of range`);
  return ms;
}

function listTraces(ctx: ApiContext): ApiResult {
  const query = ctx.query;
  const traceType = query.get('trace_type');
  if (traceType === null) throw invalid('trace_type is required');
  if (traceType !== 'system' && traceType !== 'data') throw invalid('trace_type must be system or data');
  const tracker = query.get('tracker_name');
  if (tracker !== null && traceType === 'system' && tracker !== 'system') throw new ApiError(404, 'CTS.0214', 'The tracker does not exist.');
  const limitText = query.get('limit');
  if (limitText !== null && (!/^\d{1,3}$/.test(limitText) || Number(limitText) > MAX_LIMIT)) throw invalid(`limit must be 0–${MAX_LIMIT}`);
  const limit = limitText === null ? DEFAULT_LIMIT : Number(limitText);
  const now = ctx.now.getTime();
  const from = timestamp(query, 'from') ?? now - DEFAULT_WINDOW_MS;
  const to = timestamp(query, 'to') ?? now;
  const next = query.get('next');
  if (next !== null && (charLength(next) < 10 || charLength(next) > 50)) throw invalid('next must be 10–50 characters');
  const rating = query.get('trace_rating');
  if (rating !== null && !RATINGS.has(rating)) throw invalid('trace_rating must be normal, warning or incident');
  for (const name of NOT_EMULATED) {
    if (query.has(name)) throw new ApiError(501, 'CTS.0100', `The embedded cloud does not emulate the ${name} filter.`);
  }
  const filters = FILTERS.flatMap((filter) => {
    const value = query.get(filter.name);
    if (value === null) return [];
    if (charLength(value) < filter.min || charLength(value) > filter.max) throw invalid(`${filter.name} must be ${filter.min}–${filter.max} characters`);
    return [(trace: CtsTrace['cts']) => filter.matches(trace, value)];
  });
  const traceId = query.get('trace_id');

  // Oldest first in the log; numbered so that traces of one millisecond keep their order.
  const log = ctx.state.traces;
  const oldest = now - CTS_RETENTION_MS;
  const project = ctx.project.projectId;
  const kept = (trace: CtsTrace['cts']) => trace.project_id === project && trace.time > oldest && trace.time <= now;
  // `next`: the traces listed after that one (newest first); the `from` variant lists that one again first.
  let after: ((entry: { trace: CtsTrace['cts']; index: number }) => boolean) | undefined;
  if (next !== null) {
    const marker = log.findIndex((trace) => trace.cts.trace_id === next && kept(trace.cts));
    if (marker < 0) throw invalid('next names no trace');
    const time = (log[marker] as CtsTrace).cts.time;
    const inclusive = ctx.state.variants.ctsNext === 'from';
    after = ({ trace, index }) => trace.time < time || (trace.time === time && (index < marker || (inclusive && index === marker)));
  }
  const matching: Array<{ trace: CtsTrace['cts']; index: number }> = [];
  if (traceType === 'system') {
    log.forEach((entry, index) => {
      const trace = entry.cts;
      if (!kept(trace)) return;
      if (traceId !== null) {
        if (trace.trace_id === traceId) matching.push({ trace, index });
        return;
      }
      if (trace.time <= from || trace.time >= to) return;
      if (filters.every((matches) => matches(trace))) matching.push({ trace, index });
    });
  }
  const newestFirst = matching
    .filter((entry) => after === undefined || after(entry))
    .sort((a, b) => b.trace.time - a.trace.time || b.index - a.index);
  const page = newestFirst.slice(0, limit);
  const more = newestFirst.length > page.length && page.length > 0;
  return {
    status: 200,
    body: {
      traces: page.map(({ trace }) => listed(trace)),
      meta_data: { count: page.length, marker: more ? (page[page.length - 1]?.trace.trace_id ?? null) : null },
    },
  };
}

/** A trace as ListTraces shows it: `code`, `request` and `response` as text. */
function listed(trace: CtsTrace['cts']): Record<string, unknown> {
  return {
    trace_id: trace.trace_id,
    trace_name: trace.trace_name,
    trace_rating: trace.trace_rating,
    trace_type: trace.trace_type,
    service_type: trace.service_type,
    resource_type: trace.resource_type,
    resource_id: trace.resource_id,
    resource_name: trace.resource_name,
    code: String(trace.code),
    request: JSON.stringify(trace.request ?? {}),
    response: JSON.stringify(trace.response ?? {}),
    user: trace.user,
    time: trace.time,
    record_time: trace.record_time,
    source_ip: trace.source_ip,
    api_version: trace.api_version,
    operation_id: trace.operation_id,
    read_only: trace.read_only,
    message: trace.message,
  };
}

/** A fixture's trace, filled in as the cloud records its own (KMS `cmk` by the fixture's first user by default). */
export function traceOfFixture(trace: FixtureTrace, user: FixtureUser, projectId: string): CtsTrace {
  const service = trace.service_type ?? 'KMS';
  return {
    cts: {
      time: trace.time,
      user: { type: 'User', name: trace.user ?? user.userName, id: user.userId, domain: { name: user.domainName, id: user.domainId } },
      request: trace.request ?? {},
      response: trace.response ?? {},
      code: trace.code ?? 200,
      service_type: service,
      resource_type: trace.resource_type ?? 'cmk',
      resource_name: trace.resource_name ?? '',
      resource_id: trace.resource_id,
      trace_name: trace.trace_name,
      trace_type: 'ApiCall',
      trace_rating: 'normal',
      trace_status: 'normal',
      record_time: trace.time,
      trace_id: trace.trace_id ?? randomUUID(),
      project_id: projectId,
      domain_id: user.domainId,
      source_ip: '127.0.0.1',
      api_version: 'v1.0',
      operation_id: trace.trace_name,
      read_only: false,
      message: `fixture ${service} ${trace.trace_name}`,
    },
  };
}

/** A recorded trace in fixture form (the inverse of `traceOfFixture`, as far as a fixture can say): state → `--seed`. */
export function fixtureTraceOf({ cts }: CtsTrace): FixtureTrace {
  const record = (value: unknown) => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined);
  const request = record(cts.request);
  const response = record(cts.response);
  return {
    trace_name: cts.trace_name,
    resource_id: cts.resource_id,
    time: cts.time,
    resource_name: cts.resource_name,
    service_type: cts.service_type,
    resource_type: cts.resource_type,
    code: cts.code,
    ...(request ? { request } : {}),
    ...(response ? { response } : {}),
    user: cts.user.name,
    trace_id: cts.trace_id,
    project_id: cts.project_id,
  };
}

export const ctsRoutes: readonly Route[] = [
  { method: 'GET', path: '/v3/{project_id}/traces', operation: 'cts.listTraces', operationId: 'ListTraces', style: 'cts', handler: listTraces, listing: true },
];
