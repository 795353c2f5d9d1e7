import { describe, expect, it } from 'vitest';
import { decodeApigBody, getHeader, readApigJson, readApigText, RequestBodyError } from '../../../../shared/triggers/envelopes/apig.ts';
import { parseApigEvent } from '../../../../shared/triggers/parse.ts';
import { loadEvent } from '../../../fixtures/events/load.ts';

const plain = (body: string) => ({ body, isBase64Encoded: false });
const b64 = (body: string) => ({ body, isBase64Encoded: true });

function rejection(fn: () => unknown): RequestBodyError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RequestBodyError);
    return error as RequestBodyError;
  }
  throw new Error('expected a RequestBodyError');
}

describe('decodeApigBody / readApigText', () => {
  it('decodes the base64 sample body', () => {
    const event = parseApigEvent(loadEvent('apig_base64_event'));
    expect(readApigText(event)).toBe('{"name": "OpenTelekomCloud"}');
    expect(readApigJson(event)).toEqual({ name: 'OpenTelekomCloud' });
  });

  it('returns the plain sample body as-is', () => {
    expect(readApigJson(parseApigEvent(loadEvent('apig_event')))).toEqual({ name: 'OpenTelekomCloud' });
  });

  it('counts bytes, not characters, against the limit', () => {
    expect(decodeApigBody(plain('é'.repeat(5)), { maxBytes: 10 })).toHaveLength(10);
    const error = rejection(() => decodeApigBody(plain('é'.repeat(6)), { maxBytes: 10 }));
    expect(error).toMatchObject({ code: 'body_too_large', statusCode: 413, expose: true });
    expect(error.message).toBe('body is 12 bytes; the limit is 10 bytes');
  });

  it('refuses an oversized base64 body before decoding it, even when it is not valid base64', () => {
    // 2 MiB of "!" would be invalid base64; the size check must win, proving it ran first.
    const error = rejection(() => decodeApigBody(b64('!'.repeat(2 * 1024 * 1024))));
    expect(error.code).toBe('body_too_large');
    expect(error.message).toContain('the limit is 262144 bytes');
  });

  it('accepts a base64 body exactly at the limit', () => {
    const payload = Buffer.alloc(300, 7);
    expect(decodeApigBody(b64(payload.toString('base64')), { maxBytes: 300 }).equals(payload)).toBe(true);
    expect(rejection(() => decodeApigBody(b64(payload.toString('base64')), { maxBytes: 299 })).code).toBe('body_too_large');
  });

  it('rejects invalid base64 and invalid UTF-8', () => {
    expect(rejection(() => decodeApigBody(b64('not base64!'))).code).toBe('invalid_base64');
    expect(rejection(() => readApigText(b64(Buffer.from([0xff, 0xfe, 0xfd]).toString('base64')))).code).toBe('invalid_encoding');
  });
});

describe('readApigJson', () => {
  it('rejects the size limit before parsing', () => {
    const json = JSON.stringify({ data: 'x'.repeat(300) });
    expect(rejection(() => readApigJson(plain(json), { maxBytes: 100 })).code).toBe('body_too_large');
  });

  it('rejects bad JSON and empty bodies with 400', () => {
    expect(rejection(() => readApigJson(plain('{"a":')))).toMatchObject({ code: 'invalid_json', statusCode: 400 });
    expect(rejection(() => readApigJson(plain('  ')))).toMatchObject({ code: 'empty_body', statusCode: 400 });
  });

  it.each(['__proto__', 'constructor', 'prototype'])('rejects the pollution key %s at any depth', (key) => {
    const error = rejection(() => readApigJson(plain(`{"cts":{"user":{"${key}":{"isAdmin":true}}}}`)));
    expect(error).toMatchObject({ code: 'forbidden_key', statusCode: 400 });
    expect(error.message).toContain(key);
  });

  it('allows the forbidden words as values', () => {
    expect(readApigJson(plain('{"name":"__proto__","list":["constructor"]}'))).toEqual({ name: '__proto__', list: ['constructor'] });
  });

  it('enforces the nesting limit (default 32) and ignores brackets inside strings', () => {
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    expect(() => readApigJson(plain(nested(32)))).not.toThrow();
    expect(rejection(() => readApigJson(plain(nested(33)))).code).toBe('too_deep');
    expect(rejection(() => readApigJson(plain(`{"a":${nested(3)}}`), { maxDepth: 3 })).code).toBe('too_deep');
    expect(readApigJson(plain(`{"s":"${'['.repeat(100)}\\"{"}`), { maxDepth: 1 })).toEqual({ s: `${'['.repeat(100)}"{` });
  });
});

describe('getHeader', () => {
  it('looks headers up case-insensitively', () => {
    const { headers } = parseApigEvent(loadEvent('apig_event'));
    expect(getHeader(headers, 'User-Agent')).toContain('Mozilla/5.0');
    expect(getHeader(headers, 'X-REAL-IP')).toBe('103.218.216.98');
    expect(getHeader(headers, 'x-missing')).toBeUndefined();
    expect(getHeader(undefined, 'host')).toBeUndefined();
    expect(getHeader({ 'X-Multi': ['a', 'b'] }, 'x-multi')).toBe('a,b');
  });
});
