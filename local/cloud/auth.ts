import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { unauthorized } from './errors.ts';
import type { Fixture, FixtureUser } from './fixture.ts';

/**
 * Who is calling, established the way the real gateway does it: an SDK-HMAC-SHA256 signature verified here
 * from the raw request (our own implementation, independent of the client's signer), or an IAM token.
 */

export interface Caller {
  readonly kind: 'user' | 'agency';
  /** Stable key for per-caller bookkeeping such as KMS sequences. */
  readonly principal: string;
  /** User id, or agency id. */
  readonly id: string;
  /** User name, or `<agency>/<session>`. */
  readonly name: string;
  readonly domainId: string;
  readonly domainName: string;
  /** The project the credentials are scoped to; undefined for a domain-scoped token. */
  readonly projectId: string | undefined;
}

export interface RawRequest {
  readonly method: string;
  /** The path exactly as sent (still percent-encoded). */
  readonly path: string;
  /** The query string exactly as sent, without `?`. */
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export const ALGORITHM = 'SDK-HMAC-SHA256';
export const MAX_CLOCK_SKEW_MS = 15 * 60_000;
const AUTHORIZATION = /^SDK-HMAC-SHA256\s+Access=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-fA-F]{64})\s*$/;
const SDK_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

interface AkSkEntry {
  readonly sk: string;
  readonly securityToken: string | undefined;
  readonly expiresAt: number;
  readonly caller: Caller;
}

interface TokenEntry {
  readonly caller: Caller;
  readonly expiresAt: number;
}

export interface IssuedToken {
  readonly token: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
}

export class Identities {
  private readonly byAk = new Map<string, AkSkEntry>();
  private readonly users = new Map<string, FixtureUser>();
  private readonly tokens = new Map<string, TokenEntry>();
  private agencies: readonly NonNullable<Fixture['agencies']>[number][] = [];
  private tokenTtlMs = 86_400_000;
  region = 'cn-north-4';

  constructor(fixture?: Fixture) {
    if (fixture) this.load(fixture);
  }

  load(fixture: Fixture): void {
    this.byAk.clear();
    this.users.clear();
    this.tokens.clear();
    this.agencies = fixture.agencies ?? [];
    this.region = fixture.region ?? 'cn-north-4';
    this.tokenTtlMs = (fixture.tokenTtlSeconds ?? 86_400) * 1000;
    for (const user of fixture.users) {
      this.byAk.set(user.ak, { sk: user.sk, securityToken: undefined, expiresAt: Infinity, caller: userCaller(user) });
      this.users.set(userKey(user.domainName, user.userName), user);
    }
    for (const agency of fixture.agencies ?? []) {
      const caller: Caller = {
        kind: 'agency',
        principal: `agency:${agency.agencyId}`,
        id: agency.agencyId,
        name: agency.sessionName ? `${agency.agencyName}/${agency.sessionName}` : agency.agencyName,
        domainId: agency.domainId,
        domainName: agency.domainName,
        projectId: agency.projectId,
      };
      const expiresAt = agency.expiresAt ? Date.parse(agency.expiresAt) : Infinity;
      this.byAk.set(agency.ak, { sk: agency.sk, securityToken: agency.securityToken, expiresAt, caller });
      if (agency.authToken) this.tokens.set(agency.authToken, { caller, expiresAt });
    }
  }

  /** The user a password sign-in names, by domain name (or id) and user name. */
  findUser(domain: { name?: string; id?: string }, userName: string): FixtureUser | undefined {
    if (domain.name !== undefined) return this.users.get(userKey(domain.name, userName));
    for (const user of this.users.values()) if (user.domainId === domain.id && user.userName === userName) return user;
    return undefined;
  }

  issueToken(user: FixtureUser, projectId: string | undefined, now: Date): IssuedToken {
    const token = `MII${randomBytes(48).toString('base64url')}`;
    const expiresAt = new Date(now.getTime() + this.tokenTtlMs);
    this.tokens.set(token, { caller: { ...userCaller(user), projectId }, expiresAt: expiresAt.getTime() });
    if (this.tokens.size > 10_000) this.forgetExpiredTokens(now.getTime());
    return { token, issuedAt: now, expiresAt };
  }

  /**
   * Temporary credentials for a FunctionGraph function's agency (its `xrole`), as FunctionGraph hands them to
   * each invocation: a fresh AK/SK and security token of the fixture's agency of that name in that account,
   * valid for `ttlMs`. Undefined when the account has no such agency.
   */
  issueAgencyCredentials(domainId: string, agencyName: string, now: Date, ttlMs: number): { ak: string; sk: string; securityToken: string } | undefined {
    const agency = this.agencies.find((candidate) => candidate.domainId === domainId && candidate.agencyName === agencyName);
    if (!agency) return undefined;
    const issued = { ak: `TEMP${randomBytes(8).toString('hex').toUpperCase()}`, sk: randomBytes(20).toString('base64url'), securityToken: `gQp${randomBytes(48).toString('base64url')}` };
    const template = this.byAk.get(agency.ak) as AkSkEntry;
    this.byAk.set(issued.ak, { sk: issued.sk, securityToken: issued.securityToken, expiresAt: now.getTime() + ttlMs, caller: template.caller });
    if (this.byAk.size > 10_000) this.forgetExpiredCredentials(now.getTime());
    return issued;
  }

  /**
   * The projects of an account, as IAM's KeystoneListAuthProjects lists them: each user's and agency's project,
   * named after the cloud's region unless the fixture names it (`projectName`), as a region's own project is.
   */
  projectsOf(domainId: string): Array<{ readonly id: string; readonly name: string }> {
    const projects = new Map<string, string>();
    for (const user of this.users.values()) {
      if (user.domainId === domainId && !projects.has(user.projectId)) projects.set(user.projectId, user.projectName ?? this.region);
    }
    for (const { caller } of this.byAk.values()) {
      if (caller.domainId === domainId && caller.projectId !== undefined && !projects.has(caller.projectId)) projects.set(caller.projectId, this.region);
    }
    return [...projects].map(([id, name]) => ({ id, name }));
  }

  /** Establishes the caller or throws a 401 `ApiError` (never naming the credential). */
  authenticate(request: RawRequest, now: Date): Caller {
    const authorization = header(request.headers, 'authorization');
    if (authorization !== undefined && authorization.startsWith(ALGORITHM)) return this.verifySignature(request, authorization, now);
    const token = header(request.headers, 'x-auth-token');
    if (token !== undefined) return this.verifyToken(token, now);
    if (authorization !== undefined) throw unauthorized('unsupported authorization scheme');
    throw unauthorized('no credentials: sign the request (SDK-HMAC-SHA256) or send X-Auth-Token');
  }

  private verifyToken(token: string, now: Date): Caller {
    const entry = this.tokens.get(token);
    if (!entry) throw unauthorized('token verification failed');
    if (now.getTime() >= entry.expiresAt) throw unauthorized('token expired');
    return entry.caller;
  }

  private verifySignature(request: RawRequest, authorization: string, now: Date): Caller {
    const parts = AUTHORIZATION.exec(authorization);
    if (!parts) throw unauthorized('malformed Authorization header');
    const [, ak, signedHeaderList, signature] = parts as unknown as [string, string, string, string];
    const signedHeaders = signedHeaderList.split(';');
    const sdkDate = header(request.headers, 'x-sdk-date');
    if (sdkDate === undefined) throw unauthorized('X-Sdk-Date header not found');
    if (!signedHeaders.includes('x-sdk-date')) throw unauthorized('X-Sdk-Date is not among the signed headers');
    const signedAt = parseSdkDate(sdkDate);
    if (signedAt === undefined) throw unauthorized('X-Sdk-Date is not in the format YYYYMMDDTHHmmssZ');
    if (Math.abs(now.getTime() - signedAt) > MAX_CLOCK_SKEW_MS) throw unauthorized('X-Sdk-Date is more than 15 minutes away from the server time');

    const entry = this.byAk.get(ak);
    if (!entry) throw unauthorized('the access key does not exist');
    if (entry.securityToken !== undefined) {
      const token = header(request.headers, 'x-security-token');
      if (token === undefined || !signedHeaders.includes('x-security-token')) {
        throw unauthorized('temporary credentials need a signed X-Security-Token header');
      }
      if (!equalStrings(token, entry.securityToken)) throw unauthorized('the security token does not match the access key');
    }
    if (now.getTime() >= entry.expiresAt) throw unauthorized('the temporary credentials have expired');

    const canonical = canonicalRequest(request, signedHeaders);
    const expected = createHmac('sha256', entry.sk).update(stringToSign(sdkDate, canonical)).digest('hex');
    if (!equalStrings(expected, signature.toLowerCase())) throw unauthorized('verify aksk signature fail');
    return entry.caller;
  }

  private forgetExpiredCredentials(now: number): void {
    for (const [ak, entry] of this.byAk) if (entry.expiresAt <= now) this.byAk.delete(ak);
  }

  private forgetExpiredTokens(now: number): void {
    for (const [token, entry] of this.tokens) if (entry.expiresAt <= now) this.tokens.delete(token);
  }
}

export function stringToSign(sdkDate: string, canonical: string): string {
  return `${ALGORITHM}\n${sdkDate}\n${createHash('sha256').update(canonical).digest('hex')}`;
}

/** The canonical request the client must have signed, rebuilt from what arrived. */
export function canonicalRequest(request: RawRequest, signedHeaders: readonly string[]): string {
  let headers = '';
  for (const name of signedHeaders) {
    const value = header(request.headers, name);
    if (value === undefined) throw unauthorized(`signed header ${name} is missing from the request`);
    headers += `${name}:${value}\n`;
  }
  const payloadHash =
    header(request.headers, 'x-sdk-content-sha256') === 'UNSIGNED-PAYLOAD'
      ? 'UNSIGNED-PAYLOAD'
      : createHash('sha256').update(request.body).digest('hex');
  return [
    request.method.toUpperCase(),
    canonicalUri(request.path),
    canonicalQuery(request.query),
    headers,
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

const uriCache = new Map<string, string>();

/**
 * As the official SDKs (and so the gateway) have it: the whole path decoded, then split on `/`, each piece
 * percent-encoded; always ends in `/`. An encoded `/` inside a parameter (`%2F`) thus separates segments.
 */
export function canonicalUri(path: string): string {
  const cached = uriCache.get(path);
  if (cached !== undefined) return cached;
  const encoded = unquote(path).split('/').map(encodeRfc3986).join('/');
  const canonical = encoded.endsWith('/') ? encoded : `${encoded}/`;
  if (uriCache.size >= 4096) uriCache.clear();
  uriCache.set(path, canonical);
  return canonical;
}

/** Pairs parsed from the raw query (`+` is a space), sorted by key then value, each side percent-encoded. */
export function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs: Array<[string, string]> = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = safeDecode((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, ' '));
    const value = eq < 0 ? '' : safeDecode(part.slice(eq + 1).replace(/\+/g, ' '));
    pairs.push([key, value]);
  }
  pairs.sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]));
  return pairs.map(([key, value]) => `${encodeRfc3986(key)}=${encodeRfc3986(value)}`).join('&');
}

/** Percent-encodes all but `A-Z a-z 0-9 - . _ ~`, upper-case hex over UTF-8. */
export function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function parseSdkDate(value: string): number | undefined {
  const m = SDK_DATE.exec(value);
  if (!m) return undefined;
  const time = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isNaN(time) ? undefined : time;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function userCaller(user: FixtureUser): Caller {
  return {
    kind: 'user',
    principal: `user:${user.userId}`,
    id: user.userId,
    name: user.userName,
    domainId: user.domainId,
    domainName: user.domainName,
    projectId: user.projectId,
  };
}

function userKey(domainName: string, userName: string): string {
  return `${domainName}\n${userName}`;
}

function equalStrings(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Python's `urllib.parse.unquote`: each run of `%XX` decoded as UTF-8 (bytes that are not UTF-8 become U+FFFD). */
function unquote(text: string): string {
  return text.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'));
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
