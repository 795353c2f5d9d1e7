/**
 * JSON.parse for untrusted text: limits nesting depth (checked before parsing) and rejects the keys that
 * enable prototype pollution when parsed objects are later merged (`__proto__`, `constructor`, `prototype`).
 */

export const DEFAULT_MAX_JSON_DEPTH = 32;
export const FORBIDDEN_JSON_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export type JsonSafetyErrorCode = 'invalid_json' | 'forbidden_key' | 'too_deep';

export class JsonSafetyError extends Error {
  override readonly name = 'JsonSafetyError';
  constructor(
    readonly code: JsonSafetyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface JsonSafetyOptions {
  /** Maximum nesting of objects/arrays; the top-level container is depth 1. Default 32. */
  maxDepth?: number;
}

export function parseJsonSafely(text: string, options: JsonSafetyOptions = {}): unknown {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_JSON_DEPTH;
  const depth = nestingDepth(text, maxDepth);
  if (depth > maxDepth) {
    throw new JsonSafetyError('too_deep', `JSON nesting exceeds the limit of ${maxDepth} levels`);
  }
  try {
    return JSON.parse(text, rejectForbiddenKeys);
  } catch (error) {
    if (error instanceof JsonSafetyError) throw error;
    throw new JsonSafetyError('invalid_json', `invalid JSON: ${(error as Error).message}`);
  }
}

function rejectForbiddenKeys(this: unknown, key: string, value: unknown): unknown {
  if (FORBIDDEN_JSON_KEYS.has(key)) {
    throw new JsonSafetyError('forbidden_key', `forbidden key ${JSON.stringify(key)} in JSON`);
  }
  return value;
}

/** Deepest container nesting, scanning outside strings; stops counting once `stopAbove` is exceeded. */
function nestingDepth(text: string, stopAbove: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > stopAbove) return deepest;
      }
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return deepest;
}
