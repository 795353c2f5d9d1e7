import * as z from './zod.ts';
import { addIssue, transformed } from './zod.ts';
import { parseJsonSafely } from './triggers/json.ts';
import { registerSecret } from './runtime/redact.ts';

/**
 * Warden configuration, read from FunctionGraph user data (when a getter is given) or the environment,
 * validated once at cold start. Empty values mean "use the default". Errors name every bad variable and
 * why; the webhook secret's value never appears in them (and it is registered for log masking).
 */

export type WebhookAuthMode = 'hmac' | 'none';
/** Where check-restorable reads backups: CSBS, CBR, or CBR where it holds server vaults and CSBS otherwise. */
export type BackupService = 'csbs' | 'cbr' | 'auto';

export interface Policy {
  readonly dryRun: boolean;
  readonly keyTags: Readonly<Record<string, string>>;
  readonly keyDescriptionTemplate: string;
  readonly protectTag: string;
  readonly protectAliases: readonly string[];
  readonly protectInUse: boolean;
  readonly reenableCancelled: boolean;
  readonly orphanGraceDays: number;
  readonly keepEvents: readonly string[];
  readonly maxDeletions: number;
  readonly backupMaxAgeHours: number;
  readonly backupService: BackupService;
  /** Globs over server names: such a server is not checked (nor is one tagged `backup-exempt=true`). */
  readonly backupExempt: readonly string[];
  /** Non-enumerable: absent from JSON.stringify / console output of the policy. */
  readonly webhookSecret: string | undefined;
  readonly webhookAuth: WebhookAuthMode;
  readonly smnTopicUrn: string | undefined;
  readonly concurrency: number;
  readonly maxBodyBytes: number;
}

export interface PolicySource {
  /** Environment variables; default process.env when loadPolicy is called without a source. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** FunctionGraph user data (e.g. `runtimeOf(context).userData`); wins over env when it has a value. */
  readonly userData?: (name: string) => string | undefined;
}

export const POLICY_VARIABLES = [
  'WARDEN_DRY_RUN',
  'WARDEN_KEY_TAGS',
  'WARDEN_KEY_DESCRIPTION_TEMPLATE',
  'WARDEN_PROTECT_TAG',
  'WARDEN_PROTECT_ALIASES',
  'WARDEN_PROTECT_IN_USE',
  'WARDEN_REENABLE_CANCELLED',
  'WARDEN_ORPHAN_GRACE_DAYS',
  'WARDEN_KEEP_EVENTS',
  'WARDEN_MAX_DELETIONS',
  'WARDEN_BACKUP_MAX_AGE_HOURS',
  'WARDEN_BACKUP_SERVICE',
  'WARDEN_BACKUP_EXEMPT',
  'WARDEN_WEBHOOK_SECRET',
  'WARDEN_WEBHOOK_AUTH',
  'WARDEN_SMN_TOPIC_URN',
  'WARDEN_CONCURRENCY',
  'WARDEN_MAX_BODY_BYTES',
] as const;
export type PolicyVariable = (typeof POLICY_VARIABLES)[number];

export interface PolicyProblem {
  readonly variable: PolicyVariable;
  readonly message: string;
}

export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  constructor(readonly problems: readonly PolicyProblem[]) {
    super(`invalid configuration: ${problems.map((p) => `${p.variable}: ${p.message}`).join('; ')}`);
  }
}

export const DESCRIPTION_PLACEHOLDERS = ['user', 'date', 'time', 'keyId', 'alias'] as const;
export type DescriptionValues = Partial<Record<(typeof DESCRIPTION_PLACEHOLDERS)[number], string>>;

export const MIN_WEBHOOK_SECRET_LENGTH = 16;
const MAX_DESCRIPTION_LENGTH = 255;
const MAX_TAGS_PER_KEY = 10;
const MAX_BODY_BYTES_LIMIT = 6 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------
// Value parsers: `raw` is the trimmed, non-empty value; they return the value or why it is wrong.

type Parsed<T> = { ok: true; value: T } | { ok: false; why: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(why: string): Parsed<T> => ({ ok: false, why });

const BOOLEANS: Record<string, boolean> = { true: true, '1': true, yes: true, false: false, '0': false, no: false };

function bool(raw: string): Parsed<boolean> {
  const value = BOOLEANS[raw.toLowerCase()];
  return value === undefined ? fail(`expected true/false/1/0/yes/no, got ${quote(raw)}`) : ok(value);
}

function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER) {
  const expected = max === Number.MAX_SAFE_INTEGER ? `a whole number ≥ ${min}` : `a whole number between ${min} and ${max}`;
  return (raw: string): Parsed<number> => {
    const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    return value >= min && value <= max ? ok(value) : fail(`expected ${expected}, got ${quote(raw)}`);
  };
}

function positiveNumber(raw: string): Parsed<number> {
  const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
  return value > 0 && Number.isFinite(value) ? ok(value) : fail(`expected a number > 0, got ${quote(raw)}`);
}

function globList(raw: string): Parsed<readonly string[]> {
  return ok(Object.freeze(raw.split(',').map((glob) => glob.trim()).filter((glob) => glob !== '')));
}

function oneOf<T extends string>(values: readonly T[]) {
  return (raw: string): Parsed<T> => {
    const value = values.find((candidate) => candidate === raw.toLowerCase());
    return value === undefined ? fail(`expected ${values.map((v) => `"${v}"`).join(' or ')}, got ${quote(raw)}`) : ok(value);
  };
}

// Tag rules (KMS): key 1–36 chars, value 0–43 chars, no ASCII control characters or * < > \ =
const TAG_FORBIDDEN = /[\u0000-\u001f*<>\\=]/;

/** Limits count Unicode characters (code points), as the API documents, not UTF-16 units. */
const chars = (text: string): number => [...text].length;

function tagKeyProblem(key: string): string | undefined {
  if (key.trim() === '' || chars(key) > 36) return `tag key ${quote(key)} must be 1–36 characters, not all spaces`;
  if (TAG_FORBIDDEN.test(key)) return `tag key ${quote(key)} contains a forbidden character (control, * < > \\ =)`;
  return undefined;
}

function tagValueProblem(key: string, value: string): string | undefined {
  if (chars(value) > 43) return `tag value for ${quote(key)} must be at most 43 characters`;
  if (TAG_FORBIDDEN.test(value)) return `tag value for ${quote(key)} contains a forbidden character (control, * < > \\ =)`;
  return undefined;
}

function tagKey(raw: string): Parsed<string> {
  const problem = tagKeyProblem(raw);
  return problem ? fail(problem) : ok(raw);
}

function keyTags(raw: string): Parsed<Readonly<Record<string, string>>> {
  const expected = `expected a JSON object of tag key → string value, got ${quote(raw)}`;
  let parsed: unknown;
  try {
    parsed = parseJsonSafely(raw, { maxDepth: 1 });
  } catch {
    return fail(expected);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fail(expected);
  const entries = Object.entries(parsed);
  if (entries.length > MAX_TAGS_PER_KEY) return fail(`at most ${MAX_TAGS_PER_KEY} tags, got ${entries.length}`);
  for (const [key, value] of entries) {
    if (typeof value !== 'string') return fail(`tag value for ${quote(key)} must be a string, got ${typeof value}`);
    const problem = tagKeyProblem(key) ?? tagValueProblem(key, value);
    if (problem) return fail(problem);
  }
  return ok(Object.freeze(Object.fromEntries(entries) as Record<string, string>));
}

function descriptionTemplate(raw: string): Parsed<string> {
  if (raw.length > MAX_DESCRIPTION_LENGTH) return fail(`expected at most ${MAX_DESCRIPTION_LENGTH} characters, got ${raw.length}`);
  const unknown = [...raw.matchAll(/\{([^{}]*)\}/g)]
    .map((m) => m[1] ?? '')
    .filter((name) => !(DESCRIPTION_PLACEHOLDERS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    const allowed = DESCRIPTION_PLACEHOLDERS.map((p) => `{${p}}`).join(', ');
    return fail(`unknown placeholder ${unknown.map((n) => `{${n}}`).join(', ')}; allowed: ${allowed}`);
  }
  return ok(raw);
}

// urn:smn:<region>:<project id>:<topic name>; topic names: letters, digits, - and _, starting alphanumeric, ≤ 255.
const SMN_URN = /^urn:smn:[a-z0-9-]+:[A-Za-z0-9]{1,64}:[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/;

function smnTopicUrn(raw: string): Parsed<string> {
  return SMN_URN.test(raw) ? ok(raw) : fail(`expected urn:smn:<region>:<project_id>:<topic>, got ${quote(raw)}`);
}

/** Validated without ever echoing the value. */
function webhookSecret(raw: string): Parsed<string> {
  return raw.length >= MIN_WEBHOOK_SECRET_LENGTH
    ? ok(raw)
    : fail(`expected at least ${MIN_WEBHOOK_SECRET_LENGTH} characters, got ${raw.length} (value not shown)`);
}

// ---------------------------------------------------------------------------------------------------

/** A zod field over one variable's raw text: empty/absent → default, otherwise the parser decides. */
function variable<T, D extends T | undefined>(parse: (raw: string) => Parsed<T>, fallback: D, options: { trim?: boolean } = {}) {
  return transformed(z.optional(z.string()), (value, payload): T | D => {
    if (value === undefined || value.trim() === '') return fallback;
    const result = parse(options.trim === false ? value : value.trim());
    if (result.ok) return result.value;
    addIssue(payload, result.why);
    return z.NEVER;
  });
}

const PolicySchema = z.object({
  WARDEN_DRY_RUN: variable(bool, false),
  WARDEN_KEY_TAGS: variable(keyTags, Object.freeze({}) as Readonly<Record<string, string>>),
  WARDEN_KEY_DESCRIPTION_TEMPLATE: variable(descriptionTemplate, 'Created by {user} on {date}'),
  WARDEN_PROTECT_TAG: variable(tagKey, 'deletion-protection'),
  WARDEN_PROTECT_ALIASES: variable(globList, Object.freeze([]) as readonly string[]),
  WARDEN_PROTECT_IN_USE: variable(bool, true),
  WARDEN_REENABLE_CANCELLED: variable(bool, false),
  WARDEN_ORPHAN_GRACE_DAYS: variable(wholeNumber(0), 7),
  WARDEN_KEEP_EVENTS: variable(globList, Object.freeze([]) as readonly string[]),
  WARDEN_MAX_DELETIONS: variable(wholeNumber(0), 20),
  WARDEN_BACKUP_MAX_AGE_HOURS: variable(positiveNumber, 26),
  WARDEN_BACKUP_SERVICE: variable(oneOf<BackupService>(['csbs', 'cbr', 'auto']), 'auto' as BackupService),
  WARDEN_BACKUP_EXEMPT: variable(globList, Object.freeze([]) as readonly string[]),
  WARDEN_WEBHOOK_SECRET: variable(webhookSecret, undefined, { trim: false }),
  WARDEN_WEBHOOK_AUTH: variable(oneOf<WebhookAuthMode>(['hmac', 'none']), 'hmac' as WebhookAuthMode),
  WARDEN_SMN_TOPIC_URN: variable(smnTopicUrn, undefined),
  WARDEN_CONCURRENCY: variable(wholeNumber(1, 64), 8),
  WARDEN_MAX_BODY_BYTES: variable(wholeNumber(1, MAX_BODY_BYTES_LIMIT), 262_144),
});

/** Reads and validates every WARDEN_* variable; returns a frozen Policy or throws PolicyError. */
export function loadPolicy(source: PolicySource = { env: process.env }): Policy {
  const raw: Partial<Record<PolicyVariable, string>> = {};
  for (const name of POLICY_VARIABLES) {
    const fromUserData = source.userData?.(name);
    const value = fromUserData !== undefined && fromUserData !== '' ? fromUserData : source.env?.[name];
    if (value !== undefined) raw[name] = value;
  }
  // Register before validating, so even a rejected secret cannot surface in later logs.
  if (raw.WARDEN_WEBHOOK_SECRET) registerSecret(raw.WARDEN_WEBHOOK_SECRET);

  const result = PolicySchema.safeParse(raw);
  if (!result.success) {
    throw new PolicyError(
      result.error.issues.map((issue) => ({ variable: issue.path[0] as PolicyVariable, message: issue.message })),
    );
  }
  const v = result.data;
  const policy = {
    dryRun: v.WARDEN_DRY_RUN,
    keyTags: v.WARDEN_KEY_TAGS,
    keyDescriptionTemplate: v.WARDEN_KEY_DESCRIPTION_TEMPLATE,
    protectTag: v.WARDEN_PROTECT_TAG,
    protectAliases: v.WARDEN_PROTECT_ALIASES,
    protectInUse: v.WARDEN_PROTECT_IN_USE,
    reenableCancelled: v.WARDEN_REENABLE_CANCELLED,
    orphanGraceDays: v.WARDEN_ORPHAN_GRACE_DAYS,
    keepEvents: v.WARDEN_KEEP_EVENTS,
    maxDeletions: v.WARDEN_MAX_DELETIONS,
    backupMaxAgeHours: v.WARDEN_BACKUP_MAX_AGE_HOURS,
    backupService: v.WARDEN_BACKUP_SERVICE,
    backupExempt: v.WARDEN_BACKUP_EXEMPT,
    webhookAuth: v.WARDEN_WEBHOOK_AUTH,
    smnTopicUrn: v.WARDEN_SMN_TOPIC_URN,
    concurrency: v.WARDEN_CONCURRENCY,
    maxBodyBytes: v.WARDEN_MAX_BODY_BYTES,
  };
  Object.defineProperty(policy, 'webhookSecret', { value: v.WARDEN_WEBHOOK_SECRET, enumerable: false });
  return Object.freeze(policy) as Policy;
}

/** `WARDEN_*` variables read by the tools rather than the functions (`npm start`, the build's code cache). */
export const TOOL_VARIABLES = ['WARDEN_CLOUD_PORT', 'WARDEN_CODE_CACHE'] as const;

/** `npm start`'s per-function webhook secrets: `WARDEN_WEBHOOK_SECRET_TAG_NEW_KEYS`, … */
const PER_FUNCTION_SECRET = /^WARDEN_WEBHOOK_SECRET_[A-Z0-9_]+$/;

export interface UnknownVariable {
  readonly name: string;
  /** The known variable it is most likely a misspelling of, when one is close. */
  readonly closest: string | undefined;
}

/**
 * The `WARDEN_*` names that no function or tool reads (a typo silently leaves the default in force), each with
 * the closest known name when the distance is small (`WARDEN_MAX_DELETION` → `WARDEN_MAX_DELETIONS`).
 */
export function unknownWardenVariables(names: Iterable<string>): UnknownVariable[] {
  const known: readonly string[] = [...POLICY_VARIABLES, ...TOOL_VARIABLES];
  const unknown: UnknownVariable[] = [];
  for (const name of names) {
    if (!name.startsWith('WARDEN_') || known.includes(name) || PER_FUNCTION_SECRET.test(name)) continue;
    unknown.push({ name, closest: closestName(name, known) });
  }
  return unknown;
}

/** `NAME is not a setting hwc-warden knows (did you mean X?)`, for a warning. */
export function describeUnknownVariable(variable: UnknownVariable): string {
  const hint = variable.closest === undefined ? '' : ` (did you mean ${variable.closest}?)`;
  return `${variable.name} is not a setting hwc-warden knows; it has no effect${hint}`;
}

function closestName(name: string, known: readonly string[]): string | undefined {
  const upper = name.toUpperCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(upper, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // Up to a third of the part after WARDEN_ may differ: close enough to be a typo, not another word.
  return bestDistance <= Math.max(1, Math.floor((name.length - 'WARDEN_'.length) / 3)) ? best : undefined;
}

/** Levenshtein distance with adjacent transpositions counted as one edit. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (rows[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[];
    const above = rows[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = value;
    }
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/** Fills `{user}`, `{date}`, `{time}`, `{keyId}`, `{alias}` in a description template; missing values → "". */
export function renderDescription(template: string, values: DescriptionValues): string {
  return template.replace(/\{(user|date|time|keyId|alias)\}/g, (_, name: keyof DescriptionValues) => values[name] ?? '');
}

// ---------------------------------------------------------------------------------------------------
// Globs for alias, event and server names: `*` any run of characters (including none, and "/"), `?` exactly one
// character; anchored at both ends; case-sensitive; every other character is literal.

/** The RegExp equivalent of a glob. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  let previousStar = false;
  for (const ch of glob) {
    if (ch === '*') {
      if (!previousStar) source += '.*';
      previousStar = true;
      continue;
    }
    previousStar = false;
    source += ch === '?' ? '.' : ch.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'su');
}

/** Glob match without regular expressions: linear in practice, no backtracking blow-up. */
export function matchesGlob(value: string, glob: string): boolean {
  const text = [...value];
  const pattern = [...glob];
  let t = 0;
  let p = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || (pattern[p] !== '*' && pattern[p] === text[t]))) {
      t++;
      p++;
    } else if (p < pattern.length && pattern[p] === '*') {
      starP = p++;
      starT = t;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

export function matchesAnyGlob(value: string, globs: readonly string[]): boolean {
  return globs.some((glob) => matchesGlob(value, glob));
}

function quote(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  return JSON.stringify(shown);
}
