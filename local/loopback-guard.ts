import type { IncomingHttpHeaders } from 'node:http';

/**
 * What the local servers (the embedded cloud's `/__admin`, the host) check before answering a browser-reachable
 * request, against DNS rebinding and cross-site requests from a web page the user happens to visit:
 * - `Host` must name this server by a loopback address (`127.0.0.1`, `localhost`, `[::1]`, or an address the
 *   server was explicitly bound to) with its port: a rebound `attacker.example:4000` is refused;
 * - an `Origin`, when sent, must be this same loopback server: a page elsewhere cannot drive it;
 * - (admin writes) the body must be declared `application/json`, which a cross-site form or a "simple" fetch
 *   cannot send without a CORS preflight that these servers never grant.
 */

export interface Refusal {
  readonly status: 403 | 415;
  readonly code: string;
  readonly message: string;
}

export interface GuardedRequest {
  readonly headers: IncomingHttpHeaders;
  /** The port the request arrived on (`req.socket.localPort`). */
  readonly localPort: number | undefined;
}

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Why the request may not be answered, or undefined when it may. `extraHosts`: further names it may use. */
export function loopbackRefusal(request: GuardedRequest, extraHosts: readonly string[] = []): Refusal | undefined {
  const port = request.localPort;
  const host = request.headers.host;
  if (!isLocalHost(host, port, extraHosts)) {
    return {
      status: 403,
      code: 'forbidden_host',
      message: `Host ${JSON.stringify(host ?? '')} does not name this server on loopback (127.0.0.1:${port}, localhost:${port} or [::1]:${port}): refused (DNS rebinding guard)`,
    };
  }
  const origin = request.headers.origin;
  if (origin !== undefined && !isLocalOrigin(origin, port, extraHosts)) {
    return { status: 403, code: 'forbidden_origin', message: `Origin ${JSON.stringify(origin)} is not this server: cross-site requests are refused` };
  }
  return undefined;
}

/** A write must declare a JSON body (`application/json`, parameters allowed), whatever its length. */
export function jsonBodyRefusal(request: GuardedRequest): Refusal | undefined {
  const type = request.headers['content-type'];
  const media = typeof type === 'string' ? type.split(';')[0]!.trim().toLowerCase() : '';
  if (media === 'application/json') return undefined;
  return { status: 415, code: 'unsupported_media_type', message: `the body must be sent as Content-Type: application/json, not ${JSON.stringify(type ?? '(none)')}` };
}

function isLocalHost(host: string | undefined, port: number | undefined, extraHosts: readonly string[]): boolean {
  if (host === undefined || port === undefined) return false;
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host.trim().toLowerCase());
  if (!match) return false;
  const name = match[1] as string;
  const given = match[2] === undefined ? 80 : Number(match[2]);
  return given === port && (LOOPBACK_NAMES.has(name) || extraHosts.includes(name));
}

function isLocalOrigin(origin: string, port: number | undefined, extraHosts: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null" (a sandboxed frame, a file) included
  }
  return url.protocol === 'http:' && url.pathname === '/' && isLocalHost(url.host, port, extraHosts);
}
