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

// The date changes once a second; signing thousands of requests a second formats it, and the start of the
// string to sign that holds it, once.
let cachedSecond = Number.NaN;
let cachedDate = '';
let cachedToSignStart = '';

function sdkDateAt(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedDate = formatSdkDate(new Date(ms));
    cachedToSignStart = `${SIGNING_ALGORITHM}\n${cachedDate}\n`;
    cachedSecond = second;
  }
  return cachedDate;
}

/** `SDK-HMAC-SHA256\n<date>\n` */
function toSignStart(sdkDate: string): string {
  return sdkDate === cachedDate ? cachedToSignStart : `${SIGNING_ALGORITHM}\n${sdkDate}\n`;
}

/**
 * Returns every header the request must carry to be accepted: the input headers plus `Host`,
 * `X-Sdk-Date`, `X-Security-Token` (temporary credentials) and `Authorization`.
 */
export function signRequest(input: SigningInput, credentials: AkSk, now?: Date): Record<string, string> {
  const given = input.headers;
  const token = credentials.securityToken;
  // Copy the given headers, keep their values in order, and look their names up in the tree of layouts.
  const headers: Record<string, string> = {};
  const values: string[] = [];
  let node: LayoutNode | undefined = layoutTree;
  for (const name in given) {
    const value = given[name] as string;
    headers[name] = value;
    values.push(value);
    if (node !== undefined) node = node.next.get(name);
  }
  const layout = (token ? node?.withToken : node?.plain) ?? layoutOf(given, token ? WITH_TOKEN : PLAIN);

  let sdkDate: string;
  if (layout.dateIndex < 0) {
    sdkDate = sdkDateAt(now === undefined ? Date.now() : now.getTime());
    headers['X-Sdk-Date'] = sdkDate;
  } else {
    sdkDate = values[layout.dateIndex] as string;
  }
  const url = input.url;
  let host = '';
  if (!layout.hostGiven) headers['host'] = host = url.host;
  if (token) headers['X-Security-Token'] = token;

  const method = input.method;
  const pathname = url.pathname;
  const search = url.search;
  const body = input.body;
  const canonical =
    (method === 'GET' ? 'GET\n' : method === 'POST' ? 'POST\n' : `${method.toUpperCase()}\n`) +
    (PLAIN_PATH.test(pathname) ? pathname + (pathname.charCodeAt(pathname.length - 1) === 47 /* / */ ? '\n' : '/\n') : `${canonicalUri(pathname)}\n`) +
    (search.length <= 1 ? '\n' : `${canonicalSearch(search, url)}\n`) +
    headerLines(layout, values, sdkDate, host, token) +
    (layout.contentSha256 >= 0 && values[layout.contentSha256] === UNSIGNED_PAYLOAD
      ? UNSIGNED_PAYLOAD
      : body === undefined || body.length === 0
        ? EMPTY_BODY_SHA256
        : sha256Hex(body));
  const signature = hmacHex(credentials.sk, toSignStart(sdkDate) + sha256Hex(canonical));
  headers['Authorization'] = `${SIGNING_ALGORITHM} Access=${credentials.ak}${layout.authorizationMiddle}${signature}`;
  return headers;
}

export function stringToSign(sdkDate: string, canonicalRequest: string): string {
  return toSignStart(sdkDate) + sha256Hex(canonicalRequest);
}

/** The canonical request over `headers` (all of them are signed) and the list of signed header names. */
export function canonicalRequest(
  input: SigningInput,
  headers: Readonly<Record<string, string>>,
): { canonical: string; signedHeaders: string } {
  const names = namesOf(headers);
  const layout = makeLayout(names, NOTHING_ADDED);
  const values = names.map((name) => headers[name] as string);
  const { url, body } = input;
  let canonical = `${input.method.toUpperCase()}\n${canonicalUri(url.pathname)}\n${url.search.length <= 1 ? '' : canonicalSearch(url.search, url)}\n`;
  for (let i = 0; i < layout.sources.length; i++) canonical += (layout.prefixes[i] as string) + (values[layout.sources[i] as number] as string);
  const unsigned = layout.contentSha256 >= 0 && values[layout.contentSha256] === UNSIGNED_PAYLOAD;
  canonical += layout.tail + (unsigned ? UNSIGNED_PAYLOAD : body === undefined || body.length === 0 ? EMPTY_BODY_SHA256 : sha256Hex(body));
  return { canonical, signedHeaders: layout.signedHeaders };
}

// Layouts. A client sends one of a few lists of header names (the transport sets `Content-Type` for a body
// and `X-Project-Id`; the signer adds the date, the host and, for temporary credentials, the token).
// Everything that depends only on the names is worked out once per list: lower case, canonical order, the
// signed-headers list, the constant parts of the canonical request and of the `Authorization` header.

/** Where a signed value comes from: an index among the given headers, or one of these. */
const DATE = -1;
const HOST = -2;
const TOKEN = -3;

/** What the signer adds to the given headers. */
const NOTHING_ADDED = 0;
const PLAIN = 1; // date (unless given) and host (unless given)
const WITH_TOKEN = 2; // and the security token
type Additions = typeof NOTHING_ADDED | typeof PLAIN | typeof WITH_TOKEN;

interface Layout {
  /** Index (among the given headers, in enumeration order) of the first `X-Sdk-Date`, else -1. */
  readonly dateIndex: number;
  readonly hostGiven: boolean;
  /** Index of the signed `X-Sdk-Content-Sha256`, else -1. */
  readonly contentSha256: number;
  /** The signed headers in canonical order: where each value comes from… */
  readonly sources: readonly number[];
  /** …and what precedes it in the canonical request (`name:`, then `\nname:`). */
  readonly prefixes: readonly string[];
  /** `\n\n<signed headers>\n`: from the end of the last header value to the payload hash. */
  readonly tail: string;
  readonly signedHeaders: string;
  /** `, SignedHeaders=<signed headers>, Signature=` */
  readonly authorizationMiddle: string;
  /** How many of the first signed headers have values that are never secret (`SHAREABLE`)… */
  readonly shared: number;
  /** …and their lines (with the tail, if they are all the signed headers), for the last few sets of values. */
  readonly blocks: Block[];
}

interface Block {
  readonly values: readonly string[];
  readonly lines: string;
}

/** Headers whose values a layout may keep between requests: none of them is ever a secret. */
const SHAREABLE = new Set(['content-type', 'host', 'x-domain-id', 'x-project-id', 'x-sdk-date']);
const MAX_BLOCKS = 4;

function valueOf(source: number, values: readonly string[], sdkDate: string, host: string, token: string | undefined): string {
  return source >= 0 ? (values[source] as string) : source === DATE ? sdkDate : source === HOST ? host : (token as string);
}

/**
 * Everything between the query and the payload hash: the canonical headers, the signed-headers list and the
 * newlines around them. The lines of the leading shareable headers (content type, host, project, date) are
 * the same for every request of a client within a second: they are kept as one flat string and reused, so
 * the canonical request is concatenated from a handful of pieces instead of two per header, and flattened
 * (for hashing) faster.
 */
function headerLines(layout: Layout, values: readonly string[], sdkDate: string, host: string, token: string | undefined): string {
  const { sources, prefixes, shared, blocks } = layout;
  let lines: string | undefined;
  search: for (let b = 0; b < blocks.length; b++) {
    const block = blocks[b] as Block;
    for (let i = 0; i < shared; i++) {
      if (block.values[i] !== valueOf(sources[i] as number, values, sdkDate, host, token)) continue search;
    }
    lines = block.lines;
    break;
  }
  if (lines === undefined) {
    const kept: string[] = [];
    lines = '';
    for (let i = 0; i < shared; i++) {
      const value = valueOf(sources[i] as number, values, sdkDate, host, token);
      kept.push(value);
      lines += (prefixes[i] as string) + value;
    }
    if (shared === sources.length) lines += layout.tail;
    lines.charCodeAt(0); // flattens it, once for all the requests that reuse it
    if (blocks.length >= MAX_BLOCKS) blocks.pop();
    blocks.unshift({ values: kept, lines });
  }
  if (shared === sources.length) return lines;
  for (let i = shared; i < sources.length; i++) lines += (prefixes[i] as string) + valueOf(sources[i] as number, values, sdkDate, host, token);
  return lines + layout.tail;
}

/** Layouts by header names, in enumeration order; plain and with a security token. */
class LayoutNode {
  readonly next = new Map<string, LayoutNode>();
  plain: Layout | undefined;
  withToken: Layout | undefined;
}

const layoutTree = new LayoutNode();
let layoutNodes = 0;
/** Past this many names in the tree (an unusual caller), layouts are still right, only not kept. */
const MAX_LAYOUT_NODES = 256;

function layoutOf(headers: Readonly<Record<string, string>> | undefined, additions: typeof PLAIN | typeof WITH_TOKEN): Layout {
  const names = namesOf(headers);
  const layout = makeLayout(names, additions);
  let node = layoutTree;
  for (const name of names) {
    let next = node.next.get(name);
    if (next === undefined) {
      if (layoutNodes >= MAX_LAYOUT_NODES) return layout;
      node.next.set(name, (next = new LayoutNode()));
      layoutNodes++;
    }
    node = next;
  }
  if (additions === WITH_TOKEN) node.withToken = layout;
  else node.plain = layout;
  return layout;
}

/** In the order `signRequest` enumerates them. */
function namesOf(headers: Readonly<Record<string, string>> | undefined): string[] {
  const names: string[] = [];
  for (const name in headers) names.push(name);
  return names;
}

function makeLayout(names: readonly string[], additions: Additions): Layout {
  const signed = new SignedHeaders();
  let dateIndex = -1;
  let hostGiven = false;
  names.forEach((name, i) => {
    const lower = name.toLowerCase();
    if (lower === 'x-sdk-date' && dateIndex < 0) dateIndex = i;
    else if (lower === 'host') hostGiven = true;
    signed.add(lower, i);
  });
  if (additions !== NOTHING_ADDED) {
    if (dateIndex < 0) signed.add('x-sdk-date', DATE);
    if (!hostGiven) signed.add('host', HOST);
    if (additions === WITH_TOKEN) signed.add('x-security-token', TOKEN);
  }
  const { names: lower, sources } = signed;
  const at = lower.indexOf('x-sdk-content-sha256');
  const signedHeaders = lower.join(';');
  let shared = 0;
  while (shared < lower.length && SHAREABLE.has(lower[shared] as string)) shared++;
  return {
    dateIndex,
    hostGiven,
    contentSha256: at < 0 ? -1 : (sources[at] as number),
    sources,
    prefixes: lower.map((name, i) => (i === 0 ? `${name}:` : `\n${name}:`)),
    tail: `${lower.length > 0 ? '\n' : ''}\n${signedHeaders}\n`,
    signedHeaders,
    authorizationMiddle: `, SignedHeaders=${signedHeaders}, Signature=`,
    shared,
    blocks: [],
  };
}

/** Headers to sign by lower-case name, kept in name order as they are added. */
class SignedHeaders {
  readonly names: string[] = [];
  readonly sources: number[] = [];

  /** A name given twice (in two cases) keeps the last value. */
  add(name: string, source: number): void {
    const { names, sources } = this;
    let i = names.length;
    while (i > 0 && (names[i - 1] as string) > name) i--;
    if (i > 0 && names[i - 1] === name) {
      sources[i - 1] = source;
      return;
    }
    names.splice(i, 0, name);
    sources.splice(i, 0, source);
  }
}

/** Only unreserved characters and `/`: the path is its own canonical form. */
const PLAIN_PATH = /^[A-Za-z0-9\-._~/]*$/;

/**
 * The canonical URI as the official SDKs build it (Python core `_process_canonical_uri`, Node core
 * `AKSKSigner.CanonicalURI`): the path decoded, split on `/`, each piece percent-encoded, ending in `/`. A path
 * parameter holding `/` (sent as `%2F`) is therefore signed as two segments, as those SDKs and the gateway do.
 */
export function canonicalUri(pathname: string): string {
  const encoded = PLAIN_PATH.test(pathname) ? pathname : encodePath(pathname);
  return encoded.charCodeAt(encoded.length - 1) === 47 /* / */ ? encoded : `${encoded}/`;
}

function encodePath(pathname: string): string {
  return percentDecode(pathname).split('/').map(encodeRfc3986).join('/');
}

/**
 * `%XX` sequences decoded once, as Python's `urllib.parse.unquote` does: a `%` not followed by two hex digits
 * stays as it is, and bytes that are not UTF-8 become U+FFFD.
 */
function percentDecode(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    const bytes: number[] = [];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 37 /* % */ && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) {
        bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
        i += 2;
      } else if (c < 128) {
        bytes.push(c);
      } else {
        const end = c >= 0xd800 && c <= 0xdbff ? i + 2 : i + 1;
        bytes.push(...Buffer.from(text.slice(i, end)));
        i = end - 1;
      }
    }
    return Buffer.from(bytes).toString('utf8');
  }
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/**
 * The canonical query of a URL whose `search` is not empty. When every key and value is made of unreserved
 * characters only (`limit=100&marker=abc`), the raw text is its own encoding: the pairs only need sorting,
 * and are usually in order already.
 */
function canonicalSearch(search: string, url: URL): string {
  const end = search.length;
  let starts: number[] | undefined; // where each pair starts, once there are two
  let start = 1; // the current pair's
  let previous = 1; // the previous pair's
  let equals = -1; // the current pair's `=`
  let inOrder = true;
  for (let i = 1; i < end; i++) {
    const c = search.charCodeAt(i);
    if (c === 61 /* = */) {
      if (equals >= 0 || i === start) return canonicalQuery(url.searchParams); // `a=b=c`, `=b`
      equals = i;
    } else if (c === 38 /* & */) {
      if (equals < 0) return canonicalQuery(url.searchParams); // `a&`, `&&`
      (starts ??= [1]).push(i + 1);
      if (inOrder && start > 1 && comparePairs(search, previous, search, start) > 0) inOrder = false;
      previous = start;
      start = i + 1;
      equals = -1;
    } else if (c >= 128 || UNRESERVED[c] === 0) {
      return canonicalQuery(url.searchParams);
    }
  }
  if (equals < 0) return canonicalQuery(url.searchParams);
  if (starts === undefined || (inOrder && comparePairs(search, previous, search, start) <= 0)) return search.slice(1);
  const pairs = starts.map((at, k) => `${search.slice(at, k + 1 < (starts as number[]).length ? (starts as number[])[k + 1]! - 1 : end)}&`);
  return pairs
    .sort((a, b) => comparePairs(a, 0, b, 0))
    .map((pair) => pair.slice(0, -1))
    .join('&');
}

/** `A-Z a-z 0-9 - . _ ~` */
const UNRESERVED = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~') UNRESERVED[c.charCodeAt(0)] = 1;

/**
 * Orders two `key=value` pairs of unreserved characters, the one at `a` in `textA` and the one at `b` in
 * `textB`, each ending at `&` or at the end of its text: by key, then by value, as `canonicalQuery` does.
 */
function comparePairs(textA: string, a: number, textB: string, b: number): number {
  for (;; a++, b++) {
    const ca = textA.charCodeAt(a);
    const cb = textB.charCodeAt(b);
    if (ca === 61 /* = */ || cb === 61) {
      if (ca !== cb) return ca === 61 ? -1 : 1; // a key that is a prefix of the other comes first
      break;
    }
    if (ca !== cb) return ca - cb;
  }
  for (;;) {
    a++;
    b++;
    const ca = textA.charCodeAt(a); // NaN past the end
    const cb = textB.charCodeAt(b);
    const endA = ca !== ca || ca === 38; /* & */
    const endB = cb !== cb || cb === 38;
    if (endA || endB) return endA === endB ? 0 : endA ? -1 : 1;
    if (ca !== cb) return ca - cb;
  }
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
