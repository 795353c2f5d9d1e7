import { JsonSafetyError, parseJsonSafely, DEFAULT_MAX_JSON_DEPTH } from '../json.ts';
import type { ApigEvent } from '../schemas/apig.ts';

/**
 * The APIG envelope: gets the raw body bytes out of an APIG event (base64 when `isBase64Encoded`), enforcing
 * the size limit before anything is decoded or parsed, and parses JSON bodies safely.
 */

export const DEFAULT_MAX_BODY_BYTES = 262_144;

export type RequestBodyErrorCode =
  | 'body_too_large'
  | 'invalid_base64'
  | 'invalid_encoding'
  | 'empty_body'
  | 'invalid_json'
  | 'forbidden_key'
  | 'too_deep'
  | 'unexpected_body';

/** A request body the function refuses; `statusCode` is 413 for too large, 400 otherwise. */
export class RequestBodyError extends Error {
  override readonly name = 'RequestBodyError';
  readonly statusCode: 400 | 413;
  readonly expose = true;
  constructor(
    readonly code: RequestBodyErrorCode,
    message: string,
  ) {
    super(message);
    this.statusCode = code === 'body_too_large' ? 413 : 400;
  }
}

export interface BodyLimits {
  /** Maximum decoded body size in bytes. Default 256 KiB. */
  maxBytes?: number;
  /** Maximum JSON nesting depth. Default 32. */
  maxDepth?: number;
}

type BodySource = Pick<ApigEvent, 'body' | 'isBase64Encoded'>;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The raw body bytes, exactly as the client sent them (what a webhook signature covers). */
export function decodeApigBody(event: BodySource, limits: BodyLimits = {}): Buffer {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BODY_BYTES;
  const body = event.body ?? '';
  if (!event.isBase64Encoded) {
    const size = Buffer.byteLength(body, 'utf8');
    if (size > maxBytes) throw tooLarge(size, maxBytes);
    return Buffer.from(body, 'utf8');
  }
  // Decoded size follows from the length alone, so oversized bodies are refused before any work.
  const padding = body.endsWith('==') ? 2 : body.endsWith('=') ? 1 : 0;
  const size = Math.floor(((body.length - padding) * 3) / 4);
  if (size > maxBytes) throw tooLarge(size, maxBytes);
  const unpadded = body.slice(0, body.length - padding);
  if (!BASE64.test(body) || unpadded.length % 4 === 1) {
    throw new RequestBodyError('invalid_base64', 'body is marked base64-encoded but is not valid base64');
  }
  return Buffer.from(unpadded, 'base64');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as text (UTF-8, BOM stripped). */
export function readApigText(event: BodySource, limits: BodyLimits = {}): string {
  const bytes = decodeApigBody(event, limits);
  try {
    return utf8.decode(bytes);
  } catch {
    throw new RequestBodyError('invalid_encoding', 'body is not valid UTF-8');
  }
}

/** The body parsed as JSON, after the size limit, with depth and prototype-pollution checks. */
export function readApigJson(event: BodySource, limits: BodyLimits = {}): unknown {
  const text = readApigText(event, limits);
  if (text.trim() === '') throw new RequestBodyError('empty_body', 'body is empty; expected JSON');
  try {
    return parseJsonSafely(text, { maxDepth: limits.maxDepth ?? DEFAULT_MAX_JSON_DEPTH });
  } catch (error) {
    if (error instanceof JsonSafetyError) throw new RequestBodyError(error.code, `body: ${error.message}`);
    throw error;
  }
}

type HeaderValue = string | number | boolean | readonly string[] | null | undefined;

/** Case-insensitive header lookup; repeated values are joined with ",". */
export function getHeader(headers: Readonly<Record<string, HeaderValue>> | null | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value == null) continue;
    return Array.isArray(value) ? value.join(',') : String(value);
  }
  return undefined;
}

function tooLarge(size: number, maxBytes: number): RequestBodyError {
  return new RequestBodyError('body_too_large', `body is ${size} bytes; the limit is ${maxBytes} bytes`);
}
