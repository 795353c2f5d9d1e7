import { createHmac, timingSafeEqual } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import { isApigEvent } from '../triggers/schemas/apig.ts';
import { parseApigEvent } from '../triggers/parse.ts';
import { decodeApigBody, getHeader } from '../triggers/envelopes/apig.ts';
import type { BodyLimits } from '../triggers/envelopes/apig.ts';

/**
 * Webhook authentication: `X-Warden-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * Several v1 entries may be sent (a sender signing with old and new secret during rotation); any match
 * passes. Timestamps must be within the tolerance (default 300 s) in either direction. Comparison is
 * constant-time. Errors say what is wrong, never what was expected.
 */

export const SIGNATURE_HEADER = 'X-Warden-Signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;
const MAX_HEADER_LENGTH = 1024;
const MAX_SIGNATURES = 8;

export type WebhookAuthMode = 'hmac' | 'none';
export type WebhookAuthReason =
  | 'not_configured'
  | 'missing_header'
  | 'malformed_header'
  | 'expired_timestamp'
  | 'signature_mismatch'
  | 'replayed';

const REASONS: Record<WebhookAuthReason, string> = {
  not_configured: 'webhooks are refused: no webhook secret is configured',
  missing_header: `missing ${SIGNATURE_HEADER} header`,
  malformed_header: `malformed ${SIGNATURE_HEADER} header: expected "t=<unix seconds>,v1=<hex HMAC-SHA256>"`,
  expired_timestamp: 'signature timestamp is outside the allowed tolerance',
  signature_mismatch: 'signature does not match',
  replayed: 'signature was already used',
};

export class WebhookAuthError extends Error {
  override readonly name = 'WebhookAuthError';
  readonly statusCode = 401;
  readonly expose = true;
  /** Same as `reason`; used as the error code in API responses. */
  readonly code: WebhookAuthReason;
  constructor(readonly reason: WebhookAuthReason) {
    super(REASONS[reason]);
    this.code = reason;
  }
}

export interface WebhookAuthOptions {
  /** "hmac" (default) verifies signatures; "none" accepts unsigned webhooks and must be chosen explicitly. */
  mode?: WebhookAuthMode;
  /** The shared secret (or several, while rotating). Without one, "hmac" refuses every webhook. */
  secret?: string | readonly string[];
  toleranceSeconds?: number;
  /** Current unix time in seconds. */
  now?: () => number;
  /** Rejects a signature seen before within the tolerance window. */
  replayGuard?: ReplayGuard;
}

export interface WebhookVerification {
  /** False only in mode "none". */
  readonly authenticated: boolean;
  readonly timestamp?: number;
}

export interface ParsedSignatureHeader {
  readonly timestamp: number;
  readonly signatures: readonly Buffer[];
}

/** Builds the header value for `body` (the exact bytes sent). `now`: unix seconds or a Date; default now. */
export function signWebhook(body: string | Uint8Array, secret: string, now: number | Date = nowSeconds()): string {
  const t = typeof now === 'number' ? Math.floor(now) : Math.floor(now.getTime() / 1000);
  return `t=${t},v1=${hmac(secret, t, body).toString('hex')}`;
}

/** Splits a header into timestamp and v1 signatures; throws WebhookAuthError("malformed_header"). */
export function parseSignatureHeader(header: string): ParsedSignatureHeader {
  if (header.length > MAX_HEADER_LENGTH) throw new WebhookAuthError('malformed_header');
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new WebhookAuthError('malformed_header');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) throw new WebhookAuthError('malformed_header');
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-fA-F]{64}$/.test(value) || signatures.length >= MAX_SIGNATURES) throw new WebhookAuthError('malformed_header');
      signatures.push(Buffer.from(value, 'hex'));
    }
    // Other schemes (v0, future v2) are ignored, so senders can add them without breaking us.
  }
  if (timestamp === undefined || signatures.length === 0) throw new WebhookAuthError('malformed_header');
  return { timestamp, signatures };
}

/** Verifies a signature header against the raw body; throws WebhookAuthError with the reason. */
export function verifyWebhookSignature(
  header: string | undefined,
  rawBody: string | Uint8Array,
  options: WebhookAuthOptions = {},
): WebhookVerification {
  if (options.mode === 'none') return { authenticated: false };
  const secrets = (typeof options.secret === 'string' ? [options.secret] : (options.secret ?? [])).filter((s) => s !== '');
  if (secrets.length === 0) throw new WebhookAuthError('not_configured');
  if (header === undefined || header.trim() === '') throw new WebhookAuthError('missing_header');

  const { timestamp, signatures } = parseSignatureHeader(header);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = options.now?.() ?? nowSeconds();
  if (Math.abs(now - timestamp) > tolerance) throw new WebhookAuthError('expired_timestamp');

  let matched: Buffer | undefined;
  for (const secret of secrets) {
    const expected = hmac(secret, timestamp, rawBody);
    // Check every candidate (no early exit) so timing does not reveal which entry matched.
    for (const candidate of signatures) {
      if (timingSafeEqual(expected, candidate) && !matched) matched = candidate;
    }
  }
  if (!matched) throw new WebhookAuthError('signature_mismatch');
  if (options.replayGuard && !options.replayGuard.remember(`${timestamp}:${matched.toString('hex')}`, timestamp + tolerance, now)) {
    throw new WebhookAuthError('replayed');
  }
  return { authenticated: true, timestamp };
}

/** Verifies an APIG event: header looked up case-insensitively, body decoded (size limit first). */
export function verifyApigWebhook(event: unknown, options: WebhookAuthOptions & BodyLimits = {}): WebhookVerification {
  if (options.mode === 'none') return { authenticated: false };
  const apig = parseApigEvent(event);
  const header = getHeader(apig.headers, SIGNATURE_HEADER);
  return verifyWebhookSignature(header, decodeApigBody(apig, options), options);
}

/**
 * Remembers verified signatures until their timestamps leave the tolerance window, holding at most
 * `maxEntries` (oldest dropped first). Per process: a FunctionGraph instance only sees its own traffic,
 * so this narrows replays rather than ruling them out.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();
  private readonly maxEntries: number;

  constructor(options: { maxEntries?: number } = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? 10_000);
  }

  get size(): number {
    return this.seen.size;
  }

  /** Records `key` until `expiresAt` (unix seconds); false if it was already recorded and not expired. */
  remember(key: string, expiresAt: number, now: number = nowSeconds()): boolean {
    for (const [seenKey, expiry] of this.seen) {
      if (expiry >= now) break; // insertion order ≈ expiry order; stop at the first live entry
      this.seen.delete(seenKey);
    }
    const expiry = this.seen.get(key);
    if (expiry !== undefined && expiry >= now) return false;
    this.seen.delete(key);
    this.seen.set(key, expiresAt);
    while (this.seen.size > this.maxEntries) {
      const oldest = this.seen.keys().next().value;
      if (oldest === undefined) break;
      this.seen.delete(oldest);
    }
    return true;
  }
}

/**
 * Middleware: verifies APIG invocations before the handler runs (other triggers pass through). Options may
 * be a function of the invocation context, since the secret comes from policy loaded with user data.
 */
export function webhookAuth(
  options: (WebhookAuthOptions & BodyLimits) | ((context: unknown) => WebhookAuthOptions & BodyLimits),
): MiddlewareObj<any, any, Error, any> {
  return {
    name: 'webhookAuth',
    before: (request) => {
      if (!isApigEvent(request.event)) return;
      verifyApigWebhook(request.event, typeof options === 'function' ? options(request.context) : options);
    },
  };
}

function hmac(secret: string, timestamp: number, body: string | Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
