import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  parseSignatureHeader,
  ReplayGuard,
  signWebhook,
  verifyApigWebhook,
  verifyWebhookSignature,
  WebhookAuthError,
} from '../../../shared/runtime/webhook-auth.ts';
import type { WebhookAuthOptions, WebhookAuthReason } from '../../../shared/runtime/webhook-auth.ts';
import { RequestBodyError } from '../../../shared/triggers/envelopes/apig.ts';
import { loadRecord } from '../../fixtures/events/load.ts';

const SECRET = 'whsec-test-0123456789abcdef';
const OLD_SECRET = 'whsec-old-fedcba9876543210';
const NOW = 1_718_000_000;
const BODY = JSON.stringify(loadRecord('cts_kms_create_key_agency'));
const options = (extra: WebhookAuthOptions = {}): WebhookAuthOptions => ({ secret: SECRET, now: () => NOW, ...extra });

function reason(fn: () => unknown): WebhookAuthReason {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookAuthError);
    const auth = error as WebhookAuthError;
    expect(auth.statusCode).toBe(401);
    // Errors never carry the secret or the expected signature.
    const expected = signWebhook(BODY, SECRET, NOW).split('v1=')[1]!;
    expect(auth.message).not.toContain(SECRET);
    expect(auth.message).not.toContain(expected);
    return auth.reason;
  }
  throw new Error('expected a WebhookAuthError');
}

describe('signWebhook', () => {
  it('signs "<t>.<body>" with HMAC-SHA256', () => {
    const mac = createHmac('sha256', SECRET).update(`${NOW}.${BODY}`).digest('hex');
    expect(signWebhook(BODY, SECRET, NOW)).toBe(`t=${NOW},v1=${mac}`);
    expect(signWebhook(BODY, SECRET, new Date(NOW * 1000 + 999))).toBe(`t=${NOW},v1=${mac}`);
  });
});

describe('verifyWebhookSignature', () => {
  it('accepts a good signature, within tolerance either side', () => {
    expect(verifyWebhookSignature(signWebhook(BODY, SECRET, NOW), BODY, options())).toEqual({ authenticated: true, timestamp: NOW });
    expect(verifyWebhookSignature(signWebhook(BODY, SECRET, NOW - 300), BODY, options()).authenticated).toBe(true);
    expect(verifyWebhookSignature(signWebhook(BODY, SECRET, NOW + 300), BODY, options()).authenticated).toBe(true);
    expect(verifyWebhookSignature(signWebhook(Buffer.from(BODY), SECRET, NOW), Buffer.from(BODY), options()).authenticated).toBe(true);
  });

  it('refuses webhooks when no secret is configured, unless mode is none', () => {
    expect(reason(() => verifyWebhookSignature(signWebhook(BODY, SECRET, NOW), BODY, { now: () => NOW }))).toBe('not_configured');
    expect(reason(() => verifyWebhookSignature(undefined, BODY, { secret: '' }))).toBe('not_configured');
    expect(verifyWebhookSignature(undefined, BODY, { mode: 'none' })).toEqual({ authenticated: false });
  });

  it('reports a missing header', () => {
    expect(reason(() => verifyWebhookSignature(undefined, BODY, options()))).toBe('missing_header');
    expect(reason(() => verifyWebhookSignature('  ', BODY, options()))).toBe('missing_header');
  });

  it.each([
    'garbage',
    'v1=abc',
    `t=${NOW}`,
    `t=${NOW},v1=xyz`,
    `t=${NOW},v1=${'a'.repeat(63)}`,
    `t=soon,v1=${'a'.repeat(64)}`,
    `t=${NOW},t=${NOW},v1=${'a'.repeat(64)}`,
    `t=${NOW},=x,v1=${'a'.repeat(64)}`,
    `t=${NOW},${Array.from({ length: 9 }, () => `v1=${'a'.repeat(64)}`).join(',')}`,
    `t=${NOW},v1=${'a'.repeat(2000)}`,
  ])('reports a malformed header: %s', (header) => {
    expect(reason(() => verifyWebhookSignature(header, BODY, options()))).toBe('malformed_header');
  });

  it('ignores unknown schemes and whitespace', () => {
    const header = signWebhook(BODY, SECRET, NOW).replace(',', ' , v0=legacy , ');
    expect(verifyWebhookSignature(header, BODY, options()).authenticated).toBe(true);
  });

  it('reports an expired (or future) timestamp', () => {
    expect(reason(() => verifyWebhookSignature(signWebhook(BODY, SECRET, NOW - 301), BODY, options()))).toBe('expired_timestamp');
    expect(reason(() => verifyWebhookSignature(signWebhook(BODY, SECRET, NOW + 301), BODY, options()))).toBe('expired_timestamp');
    expect(verifyWebhookSignature(signWebhook(BODY, SECRET, NOW - 500), BODY, options({ toleranceSeconds: 600 })).authenticated).toBe(true);
  });

  it('reports a forged signature, a tampered body, and a wrong secret', () => {
    expect(reason(() => verifyWebhookSignature(`t=${NOW},v1=${'0'.repeat(64)}`, BODY, options()))).toBe('signature_mismatch');
    expect(reason(() => verifyWebhookSignature(signWebhook(BODY, SECRET, NOW), `${BODY} `, options()))).toBe('signature_mismatch');
    expect(reason(() => verifyWebhookSignature(signWebhook(BODY, 'attacker-guess-1234567', NOW), BODY, options()))).toBe('signature_mismatch');
    // Re-using a valid signature under another timestamp fails: t is part of the signed text.
    const v1 = signWebhook(BODY, SECRET, NOW - 10).split(',')[1];
    expect(reason(() => verifyWebhookSignature(`t=${NOW},${v1}`, BODY, options()))).toBe('signature_mismatch');
  });

  it('supports rotation: several v1 entries, or several verifier secrets', () => {
    const oldSig = signWebhook(BODY, OLD_SECRET, NOW).split(',')[1];
    const newSig = signWebhook(BODY, SECRET, NOW).split(',')[1];
    expect(verifyWebhookSignature(`t=${NOW},${oldSig},${newSig}`, BODY, options()).authenticated).toBe(true);
    expect(verifyWebhookSignature(`t=${NOW},${newSig},${oldSig}`, BODY, options()).authenticated).toBe(true);
    expect(verifyWebhookSignature(`t=${NOW},${oldSig}`, BODY, options({ secret: [SECRET, OLD_SECRET] })).authenticated).toBe(true);
    expect(reason(() => verifyWebhookSignature(`t=${NOW},${oldSig}`, BODY, options()))).toBe('signature_mismatch');
  });

  it('rejects a replayed signature within the window when a replay guard is used', () => {
    const replayGuard = new ReplayGuard();
    const header = signWebhook(BODY, SECRET, NOW);
    expect(verifyWebhookSignature(header, BODY, options({ replayGuard })).authenticated).toBe(true);
    expect(reason(() => verifyWebhookSignature(header, BODY, options({ replayGuard })))).toBe('replayed');
    // A fresh signature for the same body is fine.
    expect(verifyWebhookSignature(signWebhook(BODY, SECRET, NOW + 1), BODY, options({ replayGuard })).authenticated).toBe(true);
    // Failed attempts are not remembered.
    expect(reason(() => verifyWebhookSignature(`t=${NOW},v1=${'0'.repeat(64)}`, BODY, options({ replayGuard })))).toBe('signature_mismatch');
    expect(replayGuard.size).toBe(2);
  });
});

describe('ReplayGuard', () => {
  it('forgets entries once expired and stays bounded', () => {
    const guard = new ReplayGuard({ maxEntries: 3 });
    expect(guard.remember('a', 100, 0)).toBe(true);
    expect(guard.remember('a', 100, 50)).toBe(false);
    expect(guard.remember('a', 200, 101)).toBe(true);
    for (const key of ['b', 'c', 'd', 'e']) guard.remember(key, 500, 150);
    expect(guard.size).toBe(3);
    expect(guard.remember('e', 500, 150)).toBe(false);
    expect(guard.remember('a', 500, 150)).toBe(true); // evicted as the oldest
  });
});

describe('parseSignatureHeader', () => {
  it('returns the timestamp and decoded signatures', () => {
    const parsed = parseSignatureHeader(`t=${NOW},v1=${'ab'.repeat(32)},v1=${'CD'.repeat(32)}`);
    expect(parsed.timestamp).toBe(NOW);
    expect(parsed.signatures.map((s) => s.toString('hex'))).toEqual(['ab'.repeat(32), 'cd'.repeat(32)]);
  });
});

describe('verifyApigWebhook', () => {
  const event = (body: string, headers: Record<string, string>, base64 = false) => ({
    ...loadRecord('apig_event'),
    httpMethod: 'POST',
    headers,
    body: base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: base64,
  });

  it('finds the header case-insensitively and signs the decoded body of base64 events', () => {
    const header = signWebhook(BODY, SECRET, NOW);
    expect(verifyApigWebhook(event(BODY, { 'x-warden-signature': header }), options()).authenticated).toBe(true);
    expect(verifyApigWebhook(event(BODY, { 'X-WARDEN-SIGNATURE': header }, true), options()).authenticated).toBe(true);
    expect(reason(() => verifyApigWebhook(event(BODY, { 'x-other': header }), options()))).toBe('missing_header');
  });

  it('enforces the body size limit before computing anything', () => {
    const header = signWebhook(BODY, SECRET, NOW);
    expect(() => verifyApigWebhook(event(BODY, { 'x-warden-signature': header }), { ...options(), maxBytes: 100 })).toThrow(
      RequestBodyError,
    );
  });
});
