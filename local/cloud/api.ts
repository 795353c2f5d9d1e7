import type { IncomingHttpHeaders } from 'node:http';
import type { Caller, Identities } from './auth.ts';
import type { ErrorStyle } from './errors.ts';
import type { CloudState, ProjectState } from './state.ts';

/**
 * What every service handler sees and returns. Handlers change state synchronously (all state is in memory);
 * one may answer with a promise when it waits on something outside the state (a function runner).
 */

export interface ApiContext {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The parsed JSON body; undefined when the body is empty. */
  readonly body: unknown;
  /** The request's headers, names in lower case. */
  readonly headers: IncomingHttpHeaders;
  /** Undefined only on routes that need no credentials (IAM sign-in). */
  readonly caller: Caller | undefined;
  /** The project named in the path (the default project on routes without one). */
  readonly project: ProjectState;
  readonly state: CloudState;
  readonly identities: Identities;
  readonly now: Date;
  readonly requestId: string;
}

export interface ApiResult {
  readonly status: number;
  /** Serialized as JSON; no body at all when undefined. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** The resource a mutating call changed, for its CTS trace. */
  readonly resource?: { readonly id: string; readonly name: string };
  /** What the CTS trace shows as the request when the body must not appear as sent (secret values). */
  readonly traceRequest?: unknown;
  /** What the CTS trace shows as the response, when not the body. */
  readonly traceResponse?: unknown;
  /**
   * The traces of this call when not the route's one: one per entry (none for `[]`), each with its resource
   * and, where it differs from the route's, its trace name (UpdateTrigger is `enableTrigger` or `disableTrigger`).
   */
  readonly traces?: ReadonlyArray<{ readonly trace_name?: string; readonly resource: { readonly id: string; readonly name: string } }>;
}

/** How a successful call is recorded in CTS (`<service_type>:<resource_type>:<trace_name>`). */
export interface TraceSpec {
  readonly service_type: string;
  readonly resource_type: string;
  readonly trace_name: string;
  readonly api_version: string;
}

export interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** With `{param}` segments, e.g. `/v1.0/{project_id}/kms/list-keys`. */
  readonly path: string;
  /** Our name for the call, e.g. `kms.listKeys`: counted in stats, matched by fault filters. */
  readonly operation: string;
  /** The API's own operation id, e.g. `ListKeys`. */
  readonly operationId: string;
  readonly style: ErrorStyle;
  readonly handler: (ctx: ApiContext) => ApiResult | Promise<ApiResult>;
  /** Largest body taken, in bytes (default 1 MiB); larger ones are refused with 413. */
  readonly maxBodyBytes?: number;
  /** Default true. */
  readonly authenticated?: boolean;
  /** KMS: a body `sequence` already seen from the same caller replays the first response. */
  readonly sequenced?: boolean;
  /** Mutating calls: record a CTS trace when they succeed. */
  readonly trace?: TraceSpec;
  /** A paged listing: the pagination faults apply to it. */
  readonly listing?: boolean;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Unicode characters, as the API documents lengths ("最大长度36个unicode字符"). */
export function charLength(text: string): number {
  let length = 0;
  for (const _ of text) length++;
  return length;
}

/**
 * A page size sent as a string (or, tolerated, a number): undefined when absent or empty,
 * the number when it is a whole number within [min, max], else null.
 */
export function parseCount(value: unknown, min: number, max: number): number | undefined | null {
  if (value === undefined || value === null || value === '') return undefined;
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^\d{1,9}$/.test(text)) return null;
  const count = Number(text);
  return count >= min && count <= max ? count : null;
}
