import { createHmac, hash } from 'node:crypto';

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

// The date changes once a second; signing thousands of requests a second formats it once.
let cachedSecond = Number.NaN;
let cachedDate = '';
function sdkDateOf(now: Date): string {
  const second = Math.floor(now.getTime() / 1000);
  if (second !== cachedSecond) {
    cachedDate = formatSdkDate(now);
    cachedSecond = second;
  }
  return cachedDate;
}

/**
 * Returns every header the request must carry to be accepted: the input headers plus `Host`,
 * `X-Sdk-Date`, `X-Security-Token` (temporary credentials) and `Authorization`.
 */
export function signRequest(input: SigningInput, credentials: AkSk, now?: Date): Record<string, string> {
  const headers: Record<string, string> = {};
  const signed = new SignedHeaders();
  let sdkDate: string | undefined;
  let hasHost = false;
  const given = input.headers ?? {};
  for (const name in given) {
    const value = given[name] as string;
    headers[name] = value;
    const lower = lowerCase(name);
    if (lower === 'x-sdk-date') sdkDate ??= value;
    else if (lower === 'host') hasHost = true;
    signed.add(lower, value);
  }
  if (sdkDate === undefined) {
    sdkDate = sdkDateOf(now ?? new Date());
    headers['X-Sdk-Date'] = sdkDate;
    signed.add('x-sdk-date', sdkDate);
  }
  if (!hasHost) {
    const host = input.url.host;
    headers['host'] = host;
    signed.add('host', host);
  }
  const token = credentials.securityToken;
  if (token) {
    headers['X-Security-Token'] = token;
    signed.add('x-security-token', token);
  }
  const { canonical, signedHeaders } = canonicalOf(input, signed);
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
  const signed = new SignedHeaders();
  for (const name in headers) signed.add(lowerCase(name), headers[name] as string);
  return canonicalOf(input, signed);
}

/** Headers to sign by lower-case name, kept in name order as they are added (a request has a handful). */
class SignedHeaders {
  readonly names: string[] = [];
  readonly values: string[] = [];

  /** A name given twice (in two cases) keeps the last value. */
  add(name: string, value: string): void {
    const { names, values } = this;
    let i = names.length;
    while (i > 0 && (names[i - 1] as string) > name) i--;
    if (i > 0 && names[i - 1] === name) {
      values[i - 1] = value;
      return;
    }
    for (let j = names.length; j > i; j--) {
      names[j] = names[j - 1] as string;
      values[j] = values[j - 1] as string;
    }
    names[i] = name;
    values[i] = value;
  }
}

function canonicalOf(input: SigningInput, signed: SignedHeaders): { canonical: string; signedHeaders: string } {
  const { names, values } = signed;
  let canonicalHeaders = '';
  let signedHeaders = '';
  let unsignedPayload = false;
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    const value = values[i] as string;
    canonicalHeaders += `${name}:${value}\n`;
    signedHeaders += i === 0 ? name : `;${name}`;
    if (name === 'x-sdk-content-sha256' && value === UNSIGNED_PAYLOAD) unsignedPayload = true;
  }
  const body = input.body;
  const payloadHash = unsignedPayload ? UNSIGNED_PAYLOAD : body === undefined || body.length === 0 ? EMPTY_BODY_SHA256 : sha256Hex(body);
  const url = input.url;
  const query = url.search.length <= 1 ? '' : canonicalQuery(url.searchParams);
  const method = input.method;
  const canonical = `${method === 'GET' || method === 'POST' ? method : method.toUpperCase()}\n${canonicalUri(url.pathname)}\n${query}\n${canonicalHeaders}\n${signedHeaders}\n${payloadHash}`;
  return { canonical, signedHeaders };
}

// Header names repeat from request to request: lower-case each once.
const lowered = new Map<string, string>();
function lowerCase(name: string): string {
  let lower = lowered.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    if (lowered.size < 256) lowered.set(name, lower);
  }
  return lower;
}

/** Only unreserved characters and `/`: the path is its own canonical form. */
const PLAIN_PATH = /^[A-Za-z0-9\-._~/]*$/;

/** Each path segment percent-encoded (over its decoded form), always ending in `/`. */
export function canonicalUri(pathname: string): string {
  const encoded = PLAIN_PATH.test(pathname)
    ? pathname
    : pathname
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

const RESERVED_BY_RFC3986 = /[!'()*]/g;

/** Percent-encodes all but the unreserved characters `A-Z a-z 0-9 - . _ ~`, upper-case hex over UTF-8. */
export function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(RESERVED_BY_RFC3986, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** One-shot `crypto.hash` (Node ≥ 20.12) skips the Hash object a `createHash` chain allocates. */
export function sha256Hex(data: string | Uint8Array): string {
  return hash('sha256', data, 'hex');
}

export function hmacHex(key: string, data: string): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
