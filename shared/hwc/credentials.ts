import { registerSecret, registerTemporarySecret } from '../runtime/redact.ts';
import { signRequest } from './signer.ts';
import type { AkSk } from './signer.ts';
import type { Authenticator, PreparedRequest } from './transport.ts';

/** The ways a caller can prove who it is to Huawei Cloud. */
export type Credentials =
  /** Permanent or temporary AK/SK (temporary ones carry a security token). Requests are signed. */
  | ({ readonly type: 'aksk' } & AkSk)
  /** A ready IAM token, e.g. a FunctionGraph context's `getToken()`. Sent as `X-Auth-Token`. */
  | { readonly type: 'token'; readonly token: string }
  /** An IAM user's password; a project-scoped token is obtained and cached until shortly before it expires. */
  | { readonly type: 'password'; readonly userName: string; readonly password: string; readonly domainName: string }
  /** Read afresh for every request: FunctionGraph rotates an agency's temporary credentials. */
  | { readonly type: 'dynamic'; readonly resolve: () => Credentials };

export interface IssuedToken {
  readonly token: string;
  readonly expiresAt: Date;
}

/** Obtains a token for password credentials (wired to IAM by the client). */
export type TokenIssuer = (credentials: Extract<Credentials, { type: 'password' }>) => Promise<IssuedToken>;

/** A token is renewed this long before it expires. */
export const TOKEN_RENEW_MARGIN_MS = 5 * 60_000;

/** The variable names the official SDKs read. */
export const SDK_ENV = {
  ak: 'HUAWEICLOUD_SDK_AK',
  sk: 'HUAWEICLOUD_SDK_SK',
  securityToken: 'HUAWEICLOUD_SDK_SECURITY_TOKEN',
  projectId: 'HUAWEICLOUD_SDK_PROJECT_ID',
  iamUser: 'HUAWEICLOUD_SDK_IAM_USER',
  iamPassword: 'HUAWEICLOUD_SDK_IAM_PASSWORD',
  iamDomain: 'HUAWEICLOUD_SDK_IAM_DOMAIN',
} as const;

/** Credentials from the environment: AK/SK (+ security token) first, then an IAM user's password. */
export function credentialsFromEnv(env: Readonly<Record<string, string | undefined>>): Credentials {
  const ak = env[SDK_ENV.ak];
  const sk = env[SDK_ENV.sk];
  if (ak && sk) return { type: 'aksk', ak, sk, securityToken: env[SDK_ENV.securityToken] || undefined };
  if (ak || sk) throw new Error(`${ak ? SDK_ENV.sk : SDK_ENV.ak} is not set (both ${SDK_ENV.ak} and ${SDK_ENV.sk} are needed)`);
  const userName = env[SDK_ENV.iamUser];
  const password = env[SDK_ENV.iamPassword];
  const domainName = env[SDK_ENV.iamDomain] ?? userName;
  if (userName && password && domainName) return { type: 'password', userName, password, domainName };
  throw new Error(
    `no Huawei Cloud credentials: set ${SDK_ENV.ak} and ${SDK_ENV.sk} (and ${SDK_ENV.securityToken} for temporary ones), ` +
      `or ${SDK_ENV.iamUser}, ${SDK_ENV.iamPassword} and ${SDK_ENV.iamDomain}`,
  );
}

/** The parts of a FunctionGraph context that carry the function agency's credentials. */
export interface FunctionGraphCredentialSource {
  getSecurityAccessKey?(): string | undefined;
  getSecuritySecretKey?(): string | undefined;
  getSecurityToken?(): string | undefined;
  getToken?(): string | undefined;
}

/** Credentials from a FunctionGraph context, read afresh for each request. */
export function credentialsFromContext(context: FunctionGraphCredentialSource): Credentials {
  return {
    type: 'dynamic',
    resolve: () => {
      const ak = context.getSecurityAccessKey?.();
      const sk = context.getSecuritySecretKey?.();
      if (ak && sk) return { type: 'aksk', ak, sk, securityToken: context.getSecurityToken?.() || undefined };
      const token = context.getToken?.();
      if (token) return { type: 'token', token };
      throw new Error('the FunctionGraph context has no credentials: give the function an agency');
    },
  };
}

/**
 * Authenticates requests with `credentials`, and registers every secret among them for masking (logs, errors,
 * reports): for good when they are long-lived (an SK, a token, a password and each token obtained with it), as
 * temporary when `dynamic` credentials hand them over afresh (an agency's, which rotate).
 */
export function createAuthenticator(credentials: Credentials, issueToken: TokenIssuer, register = registerSecret): Authenticator {
  switch (credentials.type) {
    case 'aksk':
      register(credentials.sk);
      register(credentials.securityToken);
      return { authenticate: async (request) => signed(request, credentials) };
    case 'token':
      register(credentials.token);
      return { authenticate: async (request) => ({ ...request.headers, 'X-Auth-Token': credentials.token }) };
    case 'password':
      register(credentials.password);
      return new CachedTokenAuthenticator(async () => {
        const issued = await issueToken(credentials);
        registerSecret(issued.token); // valid for a day: long-lived
        return issued;
      });
    case 'dynamic':
      return {
        authenticate: async (request) => createAuthenticator(credentials.resolve(), issueToken, registerTemporarySecret).authenticate(request),
      };
  }
}

function signed(request: PreparedRequest, credentials: AkSk): Record<string, string> {
  return signRequest({ method: request.method, url: request.url, headers: request.headers, body: request.body }, credentials);
}

/** Holds one token, renews it shortly before expiry, and never asks for two at once. */
class CachedTokenAuthenticator implements Authenticator {
  private current: IssuedToken | undefined;
  private pending: Promise<IssuedToken> | undefined;

  constructor(private readonly issue: () => Promise<IssuedToken>) {}

  async authenticate(request: PreparedRequest): Promise<Record<string, string>> {
    const { token } = await this.token();
    return { ...request.headers, 'X-Auth-Token': token };
  }

  private async token(): Promise<IssuedToken> {
    if (this.current && this.current.expiresAt.getTime() - TOKEN_RENEW_MARGIN_MS > Date.now()) return this.current;
    this.pending ??= this.issue().finally(() => {
      this.pending = undefined;
    });
    this.current = await this.pending;
    return this.current;
  }
}
