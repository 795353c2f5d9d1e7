import { CtsEventSchema, CtsTraceSchema } from './schemas/cts.ts';
import type { CtsTrace } from './schemas/cts.ts';
import type { ApigEvent } from './schemas/apig.ts';
import { readApigJson, decodeApigBody, RequestBodyError } from './envelopes/apig.ts';
import type { BodyLimits } from './envelopes/apig.ts';
import { describeType, parseApigEvent, TriggerValidationError, validate } from './parse.ts';

/**
 * What a webhook asks for, read from the signed body and nothing else (the signature covers the timestamp and
 * the body, not the URL, so nothing may come from the query string or the path).
 *
 * - A sweep: an empty body, `{}`, or `{"dryRun": true|false}`.
 * - A trace (functions that act on traces only): `{"cts": <trace>}` or `{"cts": <trace>, "dryRun": true|false}`,
 *   or the bare trace object. A bare trace carries no dry-run choice: it is the trace as CTS wrote it, so a
 *   `dryRun` inside it (or inside `cts`) is refused rather than read or ignored.
 *
 * `dryRun` is a JSON boolean; any other value, a misspelt field (`dry_run`, `dryrun`…), an unknown field next
 * to `cts` and any query string parameter are refused with 400 naming them.
 */

export type WebhookRequest =
  | { readonly kind: 'sweep'; readonly dryRun: boolean | undefined }
  | { readonly kind: 'trace'; readonly trace: CtsTrace; readonly dryRun: boolean | undefined };

export interface WebhookRequestOptions extends BodyLimits {
  /** The function's name, for messages. */
  readonly functionName: string;
  /** Whether the function acts on traces; a sweep-only function takes sweep bodies only. */
  readonly acceptsTraces: boolean;
}

const DRY_RUN = 'dryRun';
/** Spellings people reach for; only `dryRun`, at the top level, is read. */
const DRY_RUN_LIKE = /^dry[-_ ]?run$/i;
const SWEEP_BODY = '{} or {"dryRun": true|false}';
const TRACE_BODY = '{"cts": <trace>, "dryRun": true|false}';
const MAX_NAMED = 5;

/** A query string parameter on a webhook: 400, naming them. */
export class QueryParameterError extends Error {
  override readonly name = 'QueryParameterError';
  readonly code = 'unknown_query_parameter';
  readonly statusCode = 400;
  readonly expose = true;
  constructor(readonly parameters: readonly string[]) {
    const listed = parameters.slice(0, MAX_NAMED).map(quoteName).join(', ');
    const more = parameters.length > MAX_NAMED ? ` (and ${parameters.length - MAX_NAMED} more)` : '';
    const noun = parameters.length === 1 ? 'parameter' : 'parameters';
    const why = parameters.some((name) => DRY_RUN_LIKE.test(name))
      ? `the dry run is chosen in the signed body, {"dryRun": true}`
      : 'webhooks take no query parameters: the signature covers the body only';
    super(`unknown query ${noun} ${listed}${more}: ${why}`);
  }
}

/** Refuses any query string parameter (before the signature is checked, so a sender can fix and resend). */
export function refuseQueryParameters(event: Pick<ApigEvent, 'queryStringParameters'>): void {
  const names = Object.keys(event.queryStringParameters);
  if (names.length > 0) throw new QueryParameterError(names);
}

/** The body of an APIG webhook read as a sweep or a trace, with its dry-run choice. Body limits apply first. */
export function parseWebhookRequest(event: unknown, options: WebhookRequestOptions): WebhookRequest {
  const apig = parseApigEvent(event);
  if (decodeApigBody(apig, options).length === 0) return { kind: 'sweep', dryRun: undefined };
  const body = readApigJson(apig, options);
  if (!isRecord(body)) {
    const expected = options.acceptsTraces ? `${SWEEP_BODY}, or a CTS trace` : SWEEP_BODY;
    throw invalid('body', `expected a JSON object, ${expected}, got ${describeType(body)}`);
  }
  const keys = Object.keys(body);
  if (keys.every((key) => key === DRY_RUN)) return { kind: 'sweep', dryRun: dryRunOf(body) };
  if (DRY_RUN in body && !('cts' in body)) {
    const other = keys.find((key) => key !== DRY_RUN) as string;
    const trace = options.acceptsTraces ? `; a trace with a dry-run choice is ${TRACE_BODY}` : '';
    throw invalid(`body.${other}`, `unknown field next to "dryRun"; a sweep's body is ${SWEEP_BODY}${trace}`);
  }
  refuseMisplacedDryRun(body, 'body');
  if (!options.acceptsTraces) {
    const unknown = keys.filter((key) => key !== DRY_RUN);
    throw new RequestBodyError('unexpected_body', `${options.functionName} runs sweeps only: send an empty body or ${SWEEP_BODY} (unknown ${fields(unknown)})`);
  }
  const dryRun = 'cts' in body ? dryRunOf(body) : undefined;
  return { kind: 'trace', trace: traceOf(body), dryRun };
}

/**
 * An APIG webhook whose JSON body is a CTS trace, either `{ "cts": { ... } }` (optionally with `dryRun`) or the
 * bare trace object. Body limits (size before parsing, depth, forbidden keys) apply; errors name paths under `body.`.
 */
export function parseWebhookTrace(event: unknown, limits: BodyLimits = {}): CtsTrace {
  const body = readApigJson(parseApigEvent(event), limits);
  if (!isRecord(body)) throw invalid('body', `expected a CTS trace object, got ${describeType(body)}`);
  refuseMisplacedDryRun(body, 'body');
  if ('cts' in body) dryRunOf(body);
  return traceOf(body);
}

function traceOf(body: Record<string, unknown>): CtsTrace {
  if (!('cts' in body)) return validate(CtsTraceSchema, body, 'webhook', 'body');
  const unknown = Object.keys(body).filter((key) => key !== 'cts' && key !== DRY_RUN);
  if (unknown.length > 0) throw invalid(`body.${unknown[0]}`, `unknown field; a trace webhook's body is ${TRACE_BODY} or the bare trace`);
  if (isRecord(body['cts'])) refuseMisplacedDryRun(body['cts'], 'body.cts');
  return validate(CtsEventSchema, body, 'webhook', 'body').cts;
}

/** `dryRun` at the top level: absent, or a JSON boolean. */
function dryRunOf(body: Record<string, unknown>): boolean | undefined {
  const value = body[DRY_RUN];
  if (value === undefined || typeof value === 'boolean') return value;
  throw invalid(`body.${DRY_RUN}`, `expected a JSON boolean (true or false), got ${describeType(value)}`);
}

/**
 * A dry-run choice anywhere it is not read (inside a trace, or misspelt) is refused: ignoring it would run for
 * real what its sender meant as a dry run. `scope` is the object's own path; its top-level `dryRun` is read
 * only when it is not a trace (callers check sweep bodies and envelopes first).
 */
function refuseMisplacedDryRun(object: Record<string, unknown>, scope: string): void {
  const isEnvelope = scope === 'body' && 'cts' in object;
  for (const key of Object.keys(object)) {
    if (!DRY_RUN_LIKE.test(key) || (key === DRY_RUN && isEnvelope)) continue;
    throw invalid(`${scope}.${key}`, `not read here; choose the dry run at the top level of the body: ${SWEEP_BODY} for a sweep, ${TRACE_BODY} for a trace`);
  }
}

function invalid(path: string, message: string): TriggerValidationError {
  return new TriggerValidationError('webhook', [{ path, message }]);
}

function fields(names: readonly string[]): string {
  const listed = names.slice(0, MAX_NAMED).map(quoteName).join(', ');
  const more = names.length > MAX_NAMED ? ` and ${names.length - MAX_NAMED} more` : '';
  return `${names.length === 1 ? 'field' : 'fields'} ${listed}${more}`;
}

function quoteName(name: string): string {
  const quoted = JSON.stringify(name);
  return quoted.length > 42 ? `${quoted.slice(0, 38)}..."` : quoted;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
