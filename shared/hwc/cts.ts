import * as z from '../zod.ts';
import { preprocess, transformed } from '../zod.ts';
import { HwcError, LocalErrorCode } from './errors.ts';
import { callAndParse, numberish, optional, parseRequest, present, stringish } from './schema.ts';
import type { ApiContext, CallOptions } from './schema.ts';
import { pathOf } from './transport.ts';

/**
 * CTS (Cloud Trace Service): the audit trail. ListTraces (`GET /v3/{project_id}/traces`) answers with the
 * operations recorded in the last seven days, newest first, at most 200 a page. Not built into every client:
 * `cloud.use(CtsApi)`.
 */

export const TRACE_TYPES = ['system', 'data'] as const;
export const TRACE_RATINGS = ['normal', 'warning', 'incident'] as const;
/** The most traces one page holds (`limit`). */
export const MAX_TRACES_PER_PAGE = 200;
/** How far back CTS answers: "可以查出系统记录的7天内资源操作记录". */
export const CTS_RETENTION_MS = 7 * 86_400_000;

const FIRST_MS = 946_656_000_000;
const LAST_MS = 4_102_416_000_000;

// ---- requests ---------------------------------------------------------------------------------

/** A 13-digit UTC millisecond timestamp; a `Date` is accepted and sent as one. */
const timestamp = (name: string) =>
  z.pipe(
    z.union([z.number(), transformed(z.date(), (date) => date.getTime())]),
    z.number().check(z.int(`${name} must be whole milliseconds`), z.gte(FIRST_MS, `${name} is before 2000`), z.lte(LAST_MS, `${name} is after 2099`)),
  );
const text = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max));

export const ListTracesRequestSchema = z
  .object({
    /** "system" (management traces, the default here) or "data". */
    trace_type: z._default(z.enum(TRACE_TYPES), 'system'),
    /** Traces per page, 1–200 (the API's default is 10). */
    limit: z.optional(z.number().check(z.int(), z.gte(1), z.lte(MAX_TRACES_PER_PAGE))),
    /** Exclusive bounds, UTC milliseconds; the API wants both or neither (default: the last hour). */
    from: z.optional(timestamp('from')),
    to: z.optional(timestamp('to')),
    /** A previous page's `meta_data.marker`: the traces recorded before that one. */
    next: z.optional(text(10, 50)),
    tracker_name: z.optional(text(1, 64)),
    service_type: z.optional(text(1, 32)),
    user: z.optional(text(1, 1024)),
    resource_id: z.optional(text(0, 350)),
    resource_name: z.optional(text(1, 300)),
    resource_type: z.optional(text(1, 100)),
    /** One trace by id; the API then ignores every other filter. */
    trace_id: z.optional(text(1, 200)),
    trace_name: z.optional(text(1, 100)),
    trace_rating: z.optional(z.enum(TRACE_RATINGS)),
    access_key_id: z.optional(text(1, 32)),
    enterprise_project_id: z.optional(text(15, 40)),
  })
  .check(
    z.refine((query) => (query.from === undefined) === (query.to === undefined), 'from and to go together: give both or neither'),
    z.refine((query) => query.from === undefined || query.to === undefined || query.from < query.to, 'from must be before to'),
  );
export type ListTracesRequest = z.input<typeof ListTracesRequestSchema>;

// ---- responses --------------------------------------------------------------------------------

/**
 * `request` and `response` are documented as text (the JSON the operation received and answered); read as an
 * object when they are JSON objects, otherwise kept as `{ raw: text }`.
 */
const payload = preprocess(
  (value) => {
    if (value === null || value === undefined || value === '') return undefined;
    if (typeof value !== 'string') return value;
    try {
      const parsed: unknown = JSON.parse(value);
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : { raw: value };
    } catch {
      return { raw: value };
    }
  },
  z.optional(z.record(z.string(), z.unknown())),
);

export const TraceUserSchema = z.object({
  id: optional(stringish),
  name: optional(stringish),
  user_name: optional(stringish),
  type: optional(stringish),
  principal_urn: optional(stringish),
  domain: optional(z.object({ id: optional(stringish), name: optional(stringish) })),
});

export const TraceSchema = z.object({
  trace_id: present,
  trace_name: present,
  /** When the operation happened, UTC milliseconds. */
  time: numberish,
  record_time: optional(numberish),
  trace_type: optional(stringish),
  trace_rating: optional(stringish),
  service_type: optional(stringish),
  resource_type: optional(stringish),
  resource_id: optional(stringish),
  resource_name: optional(stringish),
  /** The operation's HTTP status, as text. */
  code: optional(stringish),
  request: payload,
  response: payload,
  user: optional(TraceUserSchema),
  source_ip: optional(stringish),
  api_version: optional(stringish),
  operation_id: optional(stringish),
  message: optional(stringish),
  request_id: optional(stringish),
});
export type Trace = z.output<typeof TraceSchema>;

export const ListTracesResponseSchema = z.object({
  traces: z.array(TraceSchema),
  meta_data: z.object({
    /** How many traces this page holds. */
    count: numberish,
    /** The page's last trace id, for `next`; null on the last page. */
    marker: optional(stringish),
  }),
});
export type ListTracesResponse = z.output<typeof ListTracesResponseSchema>;

// ---- operations -------------------------------------------------------------------------------

const OPERATION = 'cts.listTraces';

export class CtsApi {
  constructor(private readonly ctx: ApiContext) {}

  /** One page of traces, newest first. */
  async listTracesPage(params: ListTracesRequest = {}, options: CallOptions = {}): Promise<ListTracesResponse> {
    const query = parseRequest(ListTracesRequestSchema, params, OPERATION);
    const page = await callAndParse(
      this.ctx,
      { operation: OPERATION, service: 'cts', method: 'GET', path: pathOf`/v3/${this.ctx.projectId}/traces`, query, signal: options.signal },
      ListTracesResponseSchema,
    );
    if (page.meta_data.count !== page.traces.length) {
      throw invalid(`meta_data.count says ${page.meta_data.count} traces, the page holds ${page.traces.length}`);
    }
    return page;
  }

  /**
   * Every trace matching the filters, newest first, page after page (`limit` per page, default 200) until a
   * page names no marker. A listing that cannot be proven whole fails rather than ending early: a marker
   * handed back a second time, or a page without traces that names a next one. A trace seen on an earlier
   * page (a page boundary the API counts twice) is handed on once.
   */
  async *listTraces(params: ListTracesRequest = {}, options: CallOptions = {}): AsyncGenerator<Trace, void, undefined> {
    const request = { ...params, limit: params.limit ?? MAX_TRACES_PER_PAGE };
    parseRequest(ListTracesRequestSchema, request, OPERATION); // a bad request fails before the first page, naming the field
    const markers = new Set<string>(request.next === undefined ? [] : [request.next]);
    const seen = new Set<string>();
    let next = request.next;
    for (;;) {
      const page = await this.listTracesPage({ ...request, next }, options);
      for (const trace of page.traces) {
        if (seen.has(trace.trace_id)) continue;
        seen.add(trace.trace_id);
        yield trace;
      }
      const marker = page.meta_data.marker;
      if (marker === undefined || marker === '') return;
      if (page.traces.length === 0) throw invalid(`a page without traces names a next page (marker ${marker}): the listing cannot be proven whole`);
      if (markers.has(marker)) throw invalid(`marker ${marker} came back a second time: the listing cannot be proven whole`);
      markers.add(marker);
      next = marker;
    }
  }
}

function invalid(message: string): HwcError {
  return new HwcError({ operation: OPERATION, status: 200, errorCode: LocalErrorCode.invalidResponse, errorMsg: `unexpected response: ${message}` });
}
