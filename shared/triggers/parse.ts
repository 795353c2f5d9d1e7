import type * as z from '../zod.ts';
import { TimerEventSchema } from './schemas/timer.ts';
import type { TimerEvent } from './schemas/timer.ts';
import { ApigEventSchema, isApigEvent } from './schemas/apig.ts';
import type { ApigEvent } from './schemas/apig.ts';
import { CtsEventSchema } from './schemas/cts.ts';
import type { CtsTrace } from './schemas/cts.ts';
import { parseJsonSafely } from './json.ts';

export type TriggerSource = 'timer' | 'apig' | 'cts' | 'webhook';

export interface ValidationIssue {
  /** Dotted path of the offending field, e.g. `cts.user.name` or `body.cts.time`. */
  readonly path: string;
  readonly message: string;
}

const MAX_LISTED_ISSUES = 5;

/** An event that looks like a known trigger but does not satisfy its schema. Message: `path: why; ...`. */
export class TriggerValidationError extends Error {
  override readonly name = 'TriggerValidationError';
  readonly code = 'invalid_trigger';
  readonly statusCode = 400;
  readonly expose = true;
  constructor(
    readonly source: TriggerSource,
    readonly issues: readonly ValidationIssue[],
  ) {
    const listed = issues.slice(0, MAX_LISTED_ISSUES).map((issue) => `${issue.path}: ${issue.message}`);
    const more = issues.length > MAX_LISTED_ISSUES ? ` (and ${issues.length - MAX_LISTED_ISSUES} more)` : '';
    super(`${listed.join('; ')}${more}`);
  }
}

export interface TimerTrigger {
  readonly kind: 'timer';
  readonly name: string;
  /** When the timer fired, if `time` parses. */
  readonly firedAt: Date | undefined;
  /** The trigger's configured user_event text ('' when none). */
  readonly userEvent: string;
  /** user_event parsed as JSON when it is JSON, else undefined. */
  readonly payload: unknown;
  readonly event: TimerEvent;
}

export interface ApigTrigger {
  readonly kind: 'apig';
  readonly method: string;
  readonly path: string;
  readonly requestId: string;
  readonly event: ApigEvent;
}

export interface CtsTrigger {
  readonly kind: 'cts';
  readonly trace: CtsTrace;
}

export interface UnknownTrigger {
  readonly kind: 'unknown';
  readonly reason: string;
}

export type Trigger = TimerTrigger | ApigTrigger | CtsTrigger | UnknownTrigger;
export type TriggerKind = Trigger['kind'];

/**
 * Decides which trigger produced `event` and validates it. Throws TriggerValidationError when the event
 * has a known trigger's shape but is malformed; returns `{ kind: 'unknown' }` for anything else.
 */
export function classifyTrigger(event: unknown): Trigger {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    return { kind: 'unknown', reason: `event is ${describeType(event)}, not an object` };
  }
  const record = event as Record<string, unknown>;
  if ('cts' in record) return { kind: 'cts', trace: parseCtsEvent(event) };
  if (record.trigger_type === 'TIMER') {
    const timer = parseTimerEvent(event);
    return {
      kind: 'timer',
      name: timer.trigger_name,
      firedAt: parseDate(timer.time),
      userEvent: timer.user_event,
      payload: parseUserEvent(timer.user_event),
      event: timer,
    };
  }
  if (isApigEvent(event)) {
    const apig = parseApigEvent(event);
    return { kind: 'apig', method: apig.httpMethod, path: apig.path, requestId: apig.requestContext.requestId, event: apig };
  }
  const hint = typeof record.trigger_type === 'string' ? `trigger_type ${JSON.stringify(record.trigger_type)}` : 'unrecognised event shape';
  return { kind: 'unknown', reason: hint };
}

export function parseTimerEvent(event: unknown): TimerEvent {
  return validate(TimerEventSchema, event, 'timer');
}

export function parseApigEvent(event: unknown): ApigEvent {
  return validate(ApigEventSchema, event, 'apig');
}

/** A CTS trigger event `{ cts: trace }` → the trace. */
export function parseCtsEvent(event: unknown): CtsTrace {
  return validate(CtsEventSchema, event, 'cts').cts;
}

/** Validates `input` against `schema`; issues become a TriggerValidationError with paths under `prefix`. */
export function validate<S extends z.ZodMiniType>(schema: S, input: unknown, source: TriggerSource, prefix = ''): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  throw new TriggerValidationError(
    source,
    result.error.issues.map((issue) => ({ path: formatPath(issue.path, prefix), message: describeIssue(issue) })),
  );
}

type Issue = z.core.$ZodIssue;

function describeIssue(issue: Issue): string {
  const hasInput = 'input' in issue && issue.input !== undefined;
  switch (issue.code) {
    case 'invalid_type':
      return hasInput ? `expected ${issue.expected}, got ${describeType(issue.input)}` : `expected ${issue.expected} (missing)`;
    case 'invalid_value': {
      const allowed = issue.values.map((value) => JSON.stringify(value)).join(' or ');
      return hasInput ? `expected ${allowed}, got ${preview(issue.input)}` : `expected ${allowed} (missing)`;
    }
    case 'invalid_union':
      return hasInput ? `${issue.message}, got ${describeType(issue.input)}` : `${issue.message} (missing)`;
    default:
      return issue.message;
  }
}

function formatPath(path: readonly PropertyKey[], prefix: string): string {
  let out = prefix;
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${String(segment)}` : String(segment);
  }
  return out || '(event)';
}

/** `null`, `array`, or the `typeof` of a value, for messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function preview(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function parseDate(value: string): Date | undefined {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

function parseUserEvent(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
  try {
    return parseJsonSafely(trimmed);
  } catch {
    return undefined;
  }
}
