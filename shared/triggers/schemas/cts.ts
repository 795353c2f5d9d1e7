import { z } from 'zod';
import { tryCtsTimeToDate } from '../time.ts';
import { parseJsonSafely } from '../json.ts';

/**
 * A CTS trace as delivered to FunctionGraph (`{ cts: trace }`) or forwarded by a webhook.
 *
 * Strict where the functions depend on a field (time, user.name, user.domain, trace_name, trace_id,
 * service_type, resource_type); tolerant elsewhere: unknown fields are kept, nulls read as absent,
 * numbers/booleans may arrive as strings, request/response may be JSON text.
 */

const TIME_HINT = 'expected epoch seconds/milliseconds or a time like "2016/12/08 11:07:28 GMT+08:00"';

const ctsTime = z.union([z.number(), z.string()], { error: TIME_HINT }).transform((value, ctx) => {
  const date = tryCtsTimeToDate(value);
  if (date) return date;
  ctx.addIssue({ code: 'custom', message: `${TIME_HINT}, got ${JSON.stringify(value).slice(0, 60)}`, input: value });
  return z.NEVER;
});

/** Optional text field: null → undefined; numbers/booleans → string. */
const text = z
  .union([z.string(), z.number(), z.boolean()], { error: 'expected string' })
  .nullish()
  .transform((value) => (value == null ? undefined : String(value)));

const flag = z
  .union([z.boolean(), z.string()], { error: 'expected boolean' })
  .nullish()
  .transform((value) => (value == null ? undefined : value === true || String(value).toLowerCase() === 'true'));

/** request/response: documented as object or (JSON) string; always exposed as an object. */
const payload = z
  .union([z.record(z.string(), z.unknown()), z.string(), z.array(z.unknown())], { error: 'expected object or string' })
  .nullish()
  .transform((value): Record<string, unknown> | undefined => {
    if (value == null || value === '') return undefined;
    if (Array.isArray(value)) return { items: value };
    if (typeof value !== 'string') return value;
    try {
      const parsed = parseJsonSafely(value);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // Not JSON (or unsafe JSON): keep the text as-is below.
    }
    return { raw: value };
  });

/** Identity types CTS documents for `user.type`; others are kept as plain strings. */
export const CTS_USER_TYPES = ['User', 'AssumedAgency', 'ExternalUser'] as const;
export type CtsUserType = (typeof CTS_USER_TYPES)[number];

export const CtsUserSchema = z
  .object({
    /** "User" | "AssumedAgency" | "ExternalUser" (missing on older traces). */
    type: text,
    /** User: `<user-name>`; AssumedAgency: `<domain-name>/<agency-name>`; ExternalUser: `<idp_id>/<user-session-name>`. */
    name: z.string(),
    id: text,
    /** Same meaning as `name` per CTS docs. */
    user_name: text,
    domain: z.object({ name: z.string(), id: z.string() }).loose(),
    account_id: text,
    access_key_id: text,
    /** iam::<account>:user:<name> | sts::<account>:assumed-agency:<agency>/<session> | sts::<account>:external-user:<idp>/<session> */
    principal_urn: text,
    /** <user-id> | <agency-id>:<session> | <idp_id>:<session> */
    principal_id: text,
    principal_is_root_user: flag,
    invoked_by: z.array(z.string()).nullish().transform((value) => value ?? undefined),
    session_context: z.record(z.string(), z.unknown()).nullish().transform((value) => value ?? undefined),
  })
  .loose();

export const CtsTraceSchema = z
  .object({
    time: ctsTime,
    record_time: ctsTime.nullish().transform((value) => value ?? undefined),
    user: CtsUserSchema,
    trace_name: z.string().min(1, { error: 'expected a non-empty string' }),
    trace_id: z.string().min(1, { error: 'expected a non-empty string' }),
    trace_type: text,
    trace_rating: text,
    trace_status: text,
    service_type: z.string().min(1, { error: 'expected a non-empty string' }),
    resource_type: z.string(),
    resource_id: text,
    resource_name: text,
    resource_account_id: text,
    request: payload,
    response: payload,
    /** HTTP status of the operation; numeric strings become numbers. */
    code: z
      .union([z.number(), z.string()], { error: 'expected number or string' })
      .nullish()
      .transform((value) => {
        if (value == null || value === '') return undefined;
        return typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
      }),
    message: text,
    source_ip: text,
    api_version: text,
    operation_id: text,
    event_type: text,
    read_only: flag,
    project_id: text,
    domain_id: text,
    enterprise_project_id: text,
  })
  .loose();

/** The event FunctionGraph passes to a CTS-triggered function. */
export const CtsEventSchema = z.object({ cts: CtsTraceSchema }).loose();

export type CtsUser = z.output<typeof CtsUserSchema>;
export type CtsTrace = z.output<typeof CtsTraceSchema>;
export type CtsEvent = z.output<typeof CtsEventSchema>;
