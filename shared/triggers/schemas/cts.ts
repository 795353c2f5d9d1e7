import * as z from '../../zod.ts';
import { addIssue, transformed } from '../../zod.ts';
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

const ctsTime = transformed(z.union([z.number(), z.string()], { error: TIME_HINT }), (value, payload) => {
  const date = tryCtsTimeToDate(value);
  if (date) return date;
  addIssue(payload, `${TIME_HINT}, got ${JSON.stringify(value).slice(0, 60)}`, value);
  return z.NEVER;
});

/** Optional text field: null → undefined; numbers/booleans → string. */
const text = transformed(z.nullish(z.union([z.string(), z.number(), z.boolean()], { error: 'expected string' })), (value) =>
  value == null ? undefined : String(value),
);

const flag = transformed(z.nullish(z.union([z.boolean(), z.string()], { error: 'expected boolean' })), (value) =>
  value == null ? undefined : value === true || String(value).toLowerCase() === 'true',
);

/** request/response: documented as object or (JSON) string; always exposed as an object. */
const payload = transformed(
  z.nullish(z.union([z.record(z.string(), z.unknown()), z.string(), z.array(z.unknown())], { error: 'expected object or string' })),
  (value): Record<string, unknown> | undefined => {
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
  },
);

/** Identity types CTS documents for `user.type`; others are kept as plain strings. */
export const CTS_USER_TYPES = ['User', 'AssumedAgency', 'ExternalUser'] as const;
export type CtsUserType = (typeof CTS_USER_TYPES)[number];

export const CtsUserSchema = z.looseObject({
  /** "User" | "AssumedAgency" | "ExternalUser" (missing on older traces). */
  type: text,
  /** User: `<user-name>`; AssumedAgency: `<domain-name>/<agency-name>`; ExternalUser: `<idp_id>/<user-session-name>`. */
  name: z.string(),
  id: text,
  /** Same meaning as `name` per CTS docs. */
  user_name: text,
  domain: z.looseObject({ name: z.string(), id: z.string() }),
  account_id: text,
  access_key_id: text,
  /** iam::<account>:user:<name> | sts::<account>:assumed-agency:<agency>/<session> | sts::<account>:external-user:<idp>/<session> */
  principal_urn: text,
  /** <user-id> | <agency-id>:<session> | <idp_id>:<session> */
  principal_id: text,
  principal_is_root_user: flag,
  invoked_by: transformed(z.nullish(z.array(z.string())), (value) => value ?? undefined),
  session_context: transformed(z.nullish(z.record(z.string(), z.unknown())), (value) => value ?? undefined),
});

export const CtsTraceSchema = z.looseObject({
  time: ctsTime,
  record_time: transformed(z.nullish(ctsTime), (value) => value ?? undefined),
  user: CtsUserSchema,
  trace_name: z.string().check(z.minLength(1, { error: 'expected a non-empty string' })),
  trace_id: z.string().check(z.minLength(1, { error: 'expected a non-empty string' })),
  trace_type: text,
  trace_rating: text,
  trace_status: text,
  service_type: z.string().check(z.minLength(1, { error: 'expected a non-empty string' })),
  resource_type: z.string(),
  resource_id: text,
  resource_name: text,
  resource_account_id: text,
  request: payload,
  response: payload,
  /** HTTP status of the operation; numeric strings become numbers. */
  code: transformed(z.nullish(z.union([z.number(), z.string()], { error: 'expected number or string' })), (value) => {
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
});

/** The event FunctionGraph passes to a CTS-triggered function. */
export const CtsEventSchema = z.looseObject({ cts: CtsTraceSchema });

export type CtsUser = z.output<typeof CtsUserSchema>;
export type CtsTrace = z.output<typeof CtsTraceSchema>;
export type CtsEvent = z.output<typeof CtsEventSchema>;
