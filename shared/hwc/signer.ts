import { createHash, createHmac } from 'node:crypto';

/** SDK-HMAC-SHA256 request signing, as the official Huawei Cloud SDKs and API Gateway do it. */

export const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

export interface AkSk {
  readonly ak: string;
  readonly sk: string;
  /** Present for temporary credentials (an agency's, or a FunctionGraph context's). */
  readonly securityToken?: string | undefined;
}

export interface SigningInput {
  readonly method: string;
  /** The full request URL; the canonical URI and query come from it. */
  readonly url: URL;
  /** Headers to sign besides `host` and `X-Sdk-Date` (e.g. `Content-Type`, `X-Project-Id`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The exact body that will be sent. */
  readonly body?: string | Uint8Array | undefined;
}

/** `YYYYMMDDTHHmmssZ` in UTC. */
export function formatSdkDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * Returns every header the request must carry to be accepted: the input headers plus `Host`,
 * `X-Sdk-Date`, `X-Security-Token` (temporary credentials) and `Authorization`.
 */
export function signRequest(input: SigningInput, credentials: AkSk, now: Date = new Date()): Record<string, string> {
  const headers: Record<string, string> = { ...input.headers };
  if (findHeader(headers, 'x-sdk-date') === undefined) headers['X-Sdk-Date'] = formatSdkDate(now);
  if (findHeader(headers, 'host') === undefined) headers['host'] = input.url.host;
  if (credentials.securityToken) headers['X-Security-Token'] = credentials.securityToken;

  const sdkDate = findHeader(headers, 'x-sdk-date') as string;
  const { canonical, signedHeaders } = canonicalRequest(input, headers);
  const signature = hmacHex(credentials.sk, stringToSign(sdkDate, canonical));
  headers['Authorization'] =
    `${SIGNING_ALGORITHM} Access=${credentials.ak}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}

export function stringToSign(sdkDate: string, canonicalRequest: string): string {
  return `${SIGNING_ALGORITHM}\n${sdkDate}\n${sha256Hex(canonicalRequest)}`;
}

/** The canonical request over `headers` (all of them are signed) and the list of signed header names. */
export function canonicalRequest(
  input: SigningInput,
  headers: Readonly<Record<string, string>>,
): { canonical: string; signedHeaders: string } {
  const names = Object.keys(headers)
    .map((name) => name.toLowerCase())
    .sort();
  const lowered: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) lowered[name.toLowerCase()] = value;
  const canonicalHeaders = names.map((name) => `${name}:${lowered[name]}\n`).join('');
  const signedHeaders = names.join(';');
  const payloadHash =
    lowered['x-sdk-content-sha256'] === UNSIGNED_PAYLOAD ? UNSIGNED_PAYLOAD : sha256Hex(input.body ?? '');
  const canonical = [
    input.method.toUpperCase(),
    canonicalUri(input.url.pathname),
    canonicalQuery(input.url.searchParams),
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join('\n');
  return { canonical, signedHeaders };
}

/** Each path segment percent-encoded (over its decoded form), always ending in `/`. */
export function canonicalUri(pathname: string): string {
  const encoded = pathname
    .split('/')
    .map((segment) => encodeRfc3986(safeDecode(segment)))
    .join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

/** Keys sorted; repeated keys' values sorted; every key and value percent-encoded. */
export function canonicalQuery(params: URLSearchParams): string {
  const grouped = new Map<string, string[]>();
  for (const [key, value] of params) {
    const values = grouped.get(key);
    if (values) values.push(value);
    else grouped.set(key, [value]);
  }
  const parts: string[] = [];
  for (const key of [...grouped.keys()].sort()) {
    const encodedKey = encodeRfc3986(key);
    for (const value of (grouped.get(key) as string[]).sort()) parts.push(`${encodedKey}=${encodeRfc3986(value)}`);
  }
  return parts.join('&');
}

/** Percent-encodes all but the unreserved characters `A-Z a-z 0-9 - . _ ~`, upper-case hex over UTF-8. */
export function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function hmacHex(key: string, data: string): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

function findHeader(headers: Readonly<Record<string, string>>, lowerName: string): string | undefined {
  for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() === lowerName) return value;
  return undefined;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
