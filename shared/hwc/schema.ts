import * as z from '../zod.ts';
import { preprocess, transformed } from '../zod.ts';
import { HwcError, LocalErrorCode } from './errors.ts';
import type { CallResult, CallSpec, Transport } from './transport.ts';

/**
 * Schema helpers for the real API's quirks: numbers sent as strings and the reverse,
 * booleans as "true"/"false". Parse tolerantly, emit exactly what the API documents.
 */

/** A number that may arrive as a string (`"20"`). */
export const numberish = z.union([
  z.number(),
  transformed(z.string().check(z.trim(), z.regex(/^-?\d+(\.\d+)?$/, 'expected a number')), Number),
]);

/** A string that may arrive as a number (`key_state: 2`). */
export const stringish = z.union([z.string(), transformed(z.number(), String)]);

/** A string the caller relies on: must be there and not empty; may arrive as a number. */
export const present = z.pipe(
  z.union([z.string(), transformed(z.number(), String)], {
    error: (issue) => (issue.input === undefined || issue.input === null ? 'required' : 'expected a string'),
  }),
  z.string().check(z.minLength(1, 'must not be empty')),
);

/** A boolean that may arrive as a string (`truncated: "false"`). */
export const boolish = z.union([
  z.boolean(),
  transformed(z.enum(['true', 'false', 'True', 'False', 'TRUE', 'FALSE']), (v) => v.toLowerCase() === 'true'),
]);

/** KMS key id: 36 characters, `^[0-9a-z]{8}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}$`. */
export const keyId = z
  .string()
  .check(z.regex(/^[0-9a-z]{8}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}$/, 'expected a 36-character key id'));

/** An optional response field; `null`, which the API sends for "not set", reads as absent. */
export function optional<S extends z.ZodMiniType>(schema: S) {
  return preprocess((value) => (value === null ? undefined : value), z.optional(schema));
}

/** `limit`/`marker`/`offset` are strings on the wire. */
export const pageParam = transformed(z.union([z.string(), z.number().check(z.int(), z.nonnegative())]), String);

/** Everything an API group needs: the transport and the caller's project. */
export interface ApiContext {
  readonly transport: Transport;
  readonly projectId: string;
}

/** Per-call options every operation accepts. */
export interface CallOptions {
  readonly signal?: AbortSignal | undefined;
}

/** Options of an offset-paged listing. */
export interface OffsetListingOptions extends CallOptions {
  /** Pages requested at a time once the listing's total is known (default 1: one page ahead). */
  readonly pagesInFlight?: number | undefined;
}

/**
 * Options of a listing read item by item as its pages arrive (`callAndParseList`): `pick` chooses what to keep of
 * each item the moment it is read (default: all of it), so a caller that needs little of most items holds little
 * while the pages are in flight. Its result must keep the item's `id`: the listing proves itself complete by them.
 */
export interface PickingListingOptions<I, T extends { readonly id: string }> extends OffsetListingOptions {
  readonly pick?: ((item: I) => T) | undefined;
}

/** Validates what a caller passes in; a bad value fails before anything is sent, naming the field. */
export function parseRequest<S extends z.ZodMiniType>(schema: S, input: unknown, operation: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new HwcError({
    operation,
    status: 0,
    errorCode: LocalErrorCode.invalidRequest,
    errorMsg: `invalid request: ${formatIssues(parsed.error)}`,
  });
}

/** Validates what the cloud answered; a malformed answer is an error naming the operation and the field. */
export function parseResponse<S extends z.ZodMiniType>(schema: S, result: CallResult, operation: string): z.output<S> {
  const parsed = schema.safeParse(result.body ?? {});
  if (parsed.success) return parsed.data;
  throw new HwcError({
    operation,
    status: result.status,
    errorCode: LocalErrorCode.invalidResponse,
    errorMsg: `unexpected response: ${formatIssues(parsed.error)}`,
    requestId: result.requestId,
  });
}

/**
 * The answer of an operation documented without a body (204, or a bare 200): a body there (a gateway's `{}`,
 * say) is not the documented answer, so the change cannot be taken as made.
 */
export function expectNoBody(result: CallResult, operation: string): void {
  if (result.body === undefined || result.body === null) return;
  throw new HwcError({
    operation,
    status: result.status,
    errorCode: LocalErrorCode.invalidResponse,
    errorMsg: `unexpected response: a body where the operation answers without one (HTTP ${result.status})`,
    requestId: result.requestId,
  });
}

/** One call: validate nothing more than the response. */
export async function callAndParse<S extends z.ZodMiniType>(ctx: ApiContext, spec: CallSpec, schema: S): Promise<z.output<S>> {
  const result = await ctx.transport.call(spec);
  return parseResponse(schema, result, spec.operation);
}

/** The list of a `callAndParseList` envelope: its elements were validated one by one as they arrived. */
export const streamedList = z.array(z.unknown());

/**
 * One call whose answer lists its items under `field` (a page of backups, of servers): the list is read element
 * by element as the answer arrives (the transport's `streamArray`), each element validated by `element` and
 * handed to `pick` at once, so the page never exists whole and only what `pick` returns is kept of it; the rest
 * of the answer is validated by `envelope`, which gives `field` as `streamedList`. An element that does not fit
 * fails the call naming where it sat (`backups.17.status: …`); an answer without the list fails as a missing
 * field does.
 */
export async function callAndParseList<E extends z.ZodMiniType, S extends z.ZodMiniType<Record<string, unknown>>, T>(
  ctx: ApiContext,
  spec: CallSpec,
  list: { readonly field: string; readonly element: E; readonly envelope: S; readonly pick: (item: z.output<E>) => T },
): Promise<{ readonly items: T[]; readonly envelope: z.output<S> }> {
  const { field, element, pick } = list;
  const streamArray = {
    field,
    element: (value: unknown, index: number): T => {
      const parsed = element.safeParse(value);
      if (parsed.success) return pick(parsed.data);
      throw new Error(formatIssues(parsed.error, `${field}.${index}`));
    },
  };
  const result = await ctx.transport.call({ ...spec, streamArray });
  const parsed = parseResponse(list.envelope, result, spec.operation);
  return { items: parsed[field] as T[], envelope: parsed };
}

/** The first five issues, each at its path (below `at`, when given: `backups.17`). */
export function formatIssues(error: z.core.$ZodError, at?: string): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${[...(at === undefined ? [] : [at]), ...issue.path].join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}
