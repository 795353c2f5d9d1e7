/**
 * Keeps credentials out of logs, errors and reports: a process-wide registry of secret values (masked
 * wherever they appear in a string) and a rule for field names that always hold secrets.
 */

export const REDACTED = '[redacted]';

/**
 * Two kinds of secret. Long-lived ones (the webhook secret, an SK, an IAM password, IAM tokens, those obtained
 * from a password included) are kept for the life of the process, never forgotten. Temporary credentials (an
 * agency's AK/SK/security token and token, handed over again for every invocation) rotate: the most recently
 * seen `MAX_TEMPORARY` are kept, older ones (expired by then) are forgotten; however many rotate through, a
 * long-lived secret is never evicted.
 */
const longLived = new Set<string>();
/** In order of last registration: the first entry is the one seen longest ago. */
const temporary = new Map<string, true>();
const MAX_TEMPORARY = 512;
/** Every secret, longest first, so a secret containing another is masked whole; rebuilt when next needed. */
let ordered: string[] | undefined = [];

/** Masks `value` (and its URL-encoded form) in everything logged, reported or rethrown from now on, for good. */
export function registerSecret(value: string | null | undefined): void {
  if (typeof value !== 'string' || value === '') return;
  let changed = false;
  for (const form of formsOf(value)) {
    if (longLived.has(form)) continue;
    longLived.add(form);
    temporary.delete(form);
    changed = true;
  }
  if (changed) ordered = undefined;
}

/**
 * Masks a temporary credential (an invocation's agency credentials) from now on, until `MAX_TEMPORARY` newer
 * ones have been registered. Registering it again counts as seeing it again.
 */
export function registerTemporarySecret(value: string | null | undefined): void {
  if (typeof value !== 'string' || value === '') return;
  let changed = false;
  for (const form of formsOf(value)) {
    if (longLived.has(form)) continue;
    if (!temporary.delete(form)) changed = true;
    temporary.set(form, true);
  }
  while (temporary.size > MAX_TEMPORARY) {
    temporary.delete(temporary.keys().next().value as string);
    changed = true;
  }
  if (changed) ordered = undefined;
}

function formsOf(value: string): string[] {
  let encoded: string;
  try {
    encoded = encodeURIComponent(value);
  } catch {
    return [value]; // a lone surrogate: it has no URL-encoded form
  }
  return encoded === value ? [value] : [value, encoded];
}

/** Replaces every occurrence of a registered secret in `text` with "[redacted]". */
export function maskSecrets(text: string): string {
  ordered ??= [...longLived, ...temporary.keys()].sort((a, b) => b.length - a.length);
  let out = text;
  for (const secret of ordered) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

const SENSITIVE_PARTS = [
  'secret',
  'password',
  'passwd',
  'passphrase',
  'token',
  'authorization',
  'signature',
  'credential',
  'apikey',
  'accesskey',
  'privatekey',
  'cookie',
];
// Short names only count as whole words: "sk" must not redact "task" or "disk".
const SENSITIVE_WORDS = new Set(['sk', 'ak', 'pwd']);

/** True for field names that hold secrets: secret/password/token/authorization/signature/credential/sk/ak... */
export function isSensitiveKey(key: string): boolean {
  const compact = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (SENSITIVE_PARTS.some((part) => compact.includes(part))) return true;
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  return words.some((word) => SENSITIVE_WORDS.has(word));
}

export interface RedactOptions {
  /** Include (masked) stacks when serialising errors. Default false. */
  includeStack?: boolean;
  /** Nesting beyond this is replaced by "[depth]". Default 8. */
  maxDepth?: number;
}

/**
 * A JSON-safe copy of `value` with sensitive fields replaced by "[redacted]", registered secrets masked in
 * every string, errors reduced to `{ name, message, code? }`, cycles and excess depth cut.
 */
export function redact(value: unknown, options: RedactOptions = {}): unknown {
  return walk(value, options, options.maxDepth ?? 8, new WeakSet());
}

function walk(value: unknown, options: RedactOptions, depthLeft: number, seen: WeakSet<object>): unknown {
  switch (typeof value) {
    case 'string':
      return maskSecrets(value);
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return null;
  const object = value as object;
  if (object instanceof Date) return Number.isNaN(object.getTime()) ? null : object.toISOString();
  if (object instanceof Error) return serializeError(object, options);
  if (Buffer.isBuffer(object) || object instanceof Uint8Array) return `[${object.byteLength} bytes]`;
  if (seen.has(object)) return '[circular]';
  if (depthLeft <= 0) return '[depth]';
  seen.add(object);
  try {
    if (Array.isArray(object)) return object.map((item) => walk(item, options, depthLeft - 1, seen) ?? null);
    if (object instanceof Map) return walk(Object.fromEntries(object), options, depthLeft, seen);
    if (object instanceof Set) return walk([...object], options, depthLeft, seen);
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(object)) {
      const safeKey = maskSecrets(key);
      out[safeKey] = isSensitiveKey(key) && item != null && item !== '' ? REDACTED : walk(item, options, depthLeft - 1, seen);
    }
    return out;
  } finally {
    seen.delete(object);
  }
}

/** `{ name, message, code?, statusCode? }` of an error, secrets masked; the stack only when asked. */
export function serializeError(error: Error, options: RedactOptions = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { name: error.name, message: maskSecrets(error.message) };
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  if (typeof code === 'string' || typeof code === 'number') out.code = typeof code === 'string' ? maskSecrets(code) : code;
  if (typeof statusCode === 'number') out.statusCode = statusCode;
  if (options.includeStack && error.stack) out.stack = maskSecrets(error.stack);
  return out;
}
