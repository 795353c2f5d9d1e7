import { request } from 'undici';
import type { LocalCloud } from '../../../local/cloud/index.ts';
import { signRequest } from '../../../shared/hwc/signer.ts';
import type { AkSk } from '../../../shared/hwc/signer.ts';

/** Real signed HTTP calls to a local cloud, as a client would make them. */

export interface CallOptions {
  /** JSON-encoded into the body. */
  readonly body?: unknown;
  /** Sent as is (takes precedence over `body`). */
  readonly rawBody?: string;
  /** Default: the cloud's demo identity. `null` sends no signature at all. */
  readonly credentials?: AkSk | null;
  /** Sent as `X-Auth-Token` (no signature unless `credentials` is also given). */
  readonly token?: string;
  /** Extra headers, signed along with the rest. */
  readonly headers?: Record<string, string>;
  /** The signing time (default now). */
  readonly signedAt?: Date;
  /** Change the request after signing (to test tampering). */
  readonly tamper?: (headers: Record<string, string>) => void;
}

export interface CallResponse<T = any> {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: T;
  readonly text: string;
}

export async function call<T = any>(cloud: LocalCloud, method: string, path: string, options: CallOptions = {}): Promise<CallResponse<T>> {
  const url = new URL(cloud.url + path);
  const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const base: Record<string, string> = { ...options.headers };
  if (payload !== undefined) base['Content-Type'] = 'application/json;charset=UTF-8';
  const useToken = options.token !== undefined && options.credentials === undefined;
  const credentials = options.credentials === undefined ? (useToken ? null : demoCredentials(cloud)) : options.credentials;
  const headers = credentials ? signRequest({ method, url, headers: base, body: payload }, credentials, options.signedAt) : base;
  if (options.token !== undefined) headers['X-Auth-Token'] = options.token;
  options.tamper?.(headers);
  const response = await request(url, { method: method as 'GET', headers, body: payload });
  const text = await response.body.text();
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) flat[name] = String(value);
  return { status: response.statusCode, headers: flat, body: text === '' ? undefined : JSON.parse(text), text };
}

export function demoCredentials(cloud: LocalCloud): AkSk {
  return { ak: cloud.identity.ak, sk: cloud.identity.sk };
}

/** Shortcuts for the services' paths in the demo project. */
export function paths(cloud: LocalCloud) {
  const project = cloud.identity.projectId;
  return {
    kms: (action: string) => `/v1.0/${project}/kms/${action}`,
    events: `/v1/${project}/csms/events`,
    secrets: `/v1/${project}/secrets`,
    checkpointItems: `/v1/${project}/checkpoint_items`,
    restorable: (provider = 'fc4d5750-22e7-4798-8a46-f48f62c4c1da') => `/v1/${project}/providers/${provider}/resources/action`,
    publish: (topicUrn: string) => `/v2/${project}/notifications/topics/${encodeURIComponent(topicUrn)}/publish`,
  };
}

/** Resolves once the trace listener has run (delivery is asynchronous). */
export function nextTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
