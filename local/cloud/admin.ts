import type { IncomingHttpHeaders } from 'node:http';
import { jsonBodyRefusal, loopbackRefusal } from '../loopback-guard.ts';

/**
 * `/__admin`: unauthenticated control of the local cloud, never counted or faulted. Answered only on loopback,
 * to a `Host` naming the cloud by a loopback address and no foreign `Origin` (DNS rebinding, cross-site pages);
 * writes only with a JSON body (`Content-Type: application/json`, 415 otherwise).
 *   GET  /__admin/state    a fixture (resources, traces; no identities) that --seed takes back, then the
 *                          published messages and the trace count
 *   GET  /__admin/traces   recorded CTS traces
 *   GET  /__admin/stats    API calls received, by operation
 *   GET  /__admin/faults   current fault configuration
 *   PUT  /__admin/faults   replace it (empty body or `null` clears it)
 *   POST /__admin/reset    back to the starting fixture, or to the one in the body
 *   GET  /__admin/functiongraph/invocations   what the embedded FunctionGraph ran (oldest first)
 */

export interface AdminControl {
  snapshot(): unknown;
  traces(): unknown;
  stats(): unknown;
  faults(): unknown;
  invocations(): unknown;
  /** Validates; throws an `Error` with a readable message when invalid. */
  setFaults(config: unknown): void;
  /** Validates; throws an `Error` with a readable message when invalid. */
  reset(fixture: unknown): void;
}

export interface AdminAnswer {
  readonly status: number;
  readonly body: unknown;
}

export interface AdminRequest {
  readonly method: string;
  readonly path: string;
  readonly body: Buffer;
  readonly headers: IncomingHttpHeaders;
  readonly remoteAddress: string | undefined;
  /** The port the request arrived on. */
  readonly localPort: number | undefined;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export function handleAdmin(control: AdminControl, request: AdminRequest): AdminAnswer {
  const { method, path, body, remoteAddress } = request;
  if (remoteAddress === undefined || !LOOPBACK.has(remoteAddress)) return failure(403, 'the admin API answers on loopback only');
  const refused = loopbackRefusal(request) ?? (method === 'GET' || method === 'HEAD' ? undefined : jsonBodyRefusal(request));
  if (refused) return failure(refused.status, refused.message);
  try {
    switch (`${method} ${path}`) {
      case 'GET /__admin/state':
        return { status: 200, body: control.snapshot() };
      case 'GET /__admin/traces':
        return { status: 200, body: control.traces() };
      case 'GET /__admin/stats':
        return { status: 200, body: control.stats() };
      case 'GET /__admin/faults':
        return { status: 200, body: { faults: control.faults() ?? null } };
      case 'GET /__admin/functiongraph/invocations':
        return { status: 200, body: { invocations: control.invocations() } };
      case 'PUT /__admin/faults':
        control.setFaults(parse(body));
        return { status: 200, body: { faults: control.faults() ?? null } };
      case 'POST /__admin/reset':
        control.reset(parse(body));
        return { status: 200, body: { reset: true } };
      default:
        return failure(404, `no admin route ${method} ${path}`);
    }
  } catch (error) {
    return failure(400, error instanceof Error ? error.message : String(error));
  }
}

function parse(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new Error('the body is not JSON');
  }
}

function failure(status: number, message: string): AdminAnswer {
  return { status, body: { error_code: `ADMIN.${status}`, error_msg: message } };
}
