import { randomUUID } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import { registerTemporarySecret } from './redact.ts';

/**
 * One view of the invocation context, whatever ran us: FunctionGraph (`getRequestID()`,
 * `getRemainingTimeInMilliSeconds()`, `getUserData()`, `getSecurity*()`), AWS-style (`awsRequestId`,
 * `getRemainingTimeInMillis()`), or a plain object from tests / the local host
 * (`{ requestId | requestID, userData?, credentials?, deadline? }`).
 */

export interface Credentials {
  readonly accessKey: string;
  readonly secretKey: string;
  readonly securityToken?: string;
}

export interface RuntimeContext {
  readonly requestId: string;
  readonly functionName?: string;
  /** Milliseconds left before the platform stops the invocation (Infinity when unknown). */
  remainingMs(): number;
  /** FunctionGraph user data (configuration) by name; undefined when absent or empty. */
  userData(name: string): string | undefined;
  /** Temporary credentials of the function's agency; present only when the context can supply them. */
  credentials?(): Credentials | undefined;
  /** An IAM token (FunctionGraph `getToken()`), when available. */
  iamToken?(): string | undefined;
  /** The context as the platform passed it. */
  readonly raw: unknown;
}

type Method = (...args: unknown[]) => unknown;
type Bag = Record<string, unknown>;

const cache = new WeakMap<object, RuntimeContext>();

/** The RuntimeContext of a platform context (memoised per context object). */
export function runtimeOf(context: unknown): RuntimeContext {
  if (typeof context !== 'object' || context === null) return adaptContext(context);
  let adapted = cache.get(context);
  if (!adapted) {
    adapted = adaptContext(context);
    cache.set(context, adapted);
  }
  return adapted;
}

export function adaptContext(raw: unknown): RuntimeContext {
  const bag: Bag = typeof raw === 'object' && raw !== null ? (raw as Bag) : {};
  const call = (name: string, ...args: unknown[]): unknown => {
    const fn = bag[name];
    if (typeof fn !== 'function') return undefined;
    try {
      return (fn as Method).apply(raw, args);
    } catch {
      // A platform getter that throws (e.g. no agency configured) means "not available".
      return undefined;
    }
  };
  const has = (name: string): boolean => typeof bag[name] === 'function';
  const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

  const requestId =
    text(call('getRequestID')) ?? text(bag.awsRequestId) ?? text(bag.requestId) ?? text(bag.requestID) ?? randomUUID();
  const functionName = text(call('getFunctionName')) ?? text(bag.functionName);

  // Where the time left is read, chosen once: `exposeRemainingTime` may later give the context an alias of this.
  const readRemaining = has('getRemainingTimeInMilliSeconds')
    ? () => call('getRemainingTimeInMilliSeconds')
    : has('getRemainingTimeInMillis')
      ? () => call('getRemainingTimeInMillis')
      : typeof bag.deadline === 'number'
        ? () => (bag.deadline as number) - Date.now()
        : () => Number.POSITIVE_INFINITY;
  const remainingMs = (): number => {
    const ms = readRemaining();
    return typeof ms === 'number' && !Number.isNaN(ms) ? Math.max(0, ms) : Number.POSITIVE_INFINITY;
  };

  const userData = (name: string): string | undefined => {
    if (has('getUserData')) return text(call('getUserData', name));
    const data = bag.userData;
    return typeof data === 'object' && data !== null ? text((data as Bag)[name]) : undefined;
  };

  const context: RuntimeContext = { requestId, remainingMs, userData, raw };
  if (functionName !== undefined) Object.assign(context, { functionName });

  if (has('getSecurityAccessKey') || has('getAccessKey')) {
    context.credentials = () => {
      const accessKey = text(call('getSecurityAccessKey')) ?? text(call('getAccessKey'));
      const secretKey = text(call('getSecuritySecretKey')) ?? text(call('getSecretKey'));
      const securityToken = text(call('getSecurityToken'));
      return toCredentials(accessKey, secretKey, securityToken);
    };
  } else if (typeof bag.credentials === 'object' && bag.credentials !== null) {
    const given = bag.credentials as Bag;
    context.credentials = () => toCredentials(text(given.accessKey), text(given.secretKey), text(given.securityToken));
  }
  if (has('getToken')) {
    context.iamToken = () => {
      const token = text(call('getToken'));
      registerTemporarySecret(token);
      return token;
    };
  }
  return Object.freeze(context);
}

function toCredentials(accessKey: string | undefined, secretKey: string | undefined, securityToken: string | undefined): Credentials | undefined {
  if (!accessKey || !secretKey) return undefined;
  // The agency's temporary credentials: masked while they may still be in use, however many rotate through.
  for (const value of [accessKey, secretKey, securityToken]) registerTemporarySecret(value);
  return securityToken ? { accessKey, secretKey, securityToken } : { accessKey, secretKey };
}

/**
 * Middleware: adapts the context once per invocation and registers its credentials as secrets before the
 * handler (or any log line) can see them. Handlers read it with `runtimeOf(context)`.
 */
export function runtimeContext(): MiddlewareObj<any, any, Error, any> {
  return {
    name: 'runtimeContext',
    before: (request) => {
      const runtime = runtimeOf(request.context);
      runtime.credentials?.();
      runtime.iamToken?.();
    },
  };
}

/**
 * middy's early timeout (`timeoutEarlyInMillis`) arms only when the context has AWS's `getRemainingTimeInMillis`;
 * FunctionGraph's context calls it `getRemainingTimeInMilliSeconds`, and the local host's gives a `deadline`. Run as
 * middy's `requestStart` plugin hook (middy 6 hands it the request before it looks), this gives the context the
 * name middy looks for whenever the time left is known, so its last-resort timeout arms on every platform.
 */
export function exposeRemainingTime(request?: { context: unknown }): void {
  if (request === undefined) return;
  const context = request.context;
  if (typeof context !== 'object' || context === null || typeof (context as Bag).getRemainingTimeInMillis === 'function') return;
  const runtime = runtimeOf(context);
  if (!Number.isFinite(runtime.remainingMs())) return;
  const alias = { value: () => runtime.remainingMs(), configurable: true };
  if (Object.isExtensible(context)) Object.defineProperty(context, 'getRemainingTimeInMillis', alias);
  else request.context = Object.create(context, { getRemainingTimeInMillis: alias });
}
