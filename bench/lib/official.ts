import { createRequire } from 'node:module';

/** The official Huawei Cloud Node.js SDK core (a devDependency): its signer and its HTTP client. */

const require = createRequire(import.meta.url);

export interface OfficialSignerRequest {
  endpoint: string;
  method: string;
  headers: Record<string, string>;
  queryParams: Record<string, string | string[]>;
  data?: unknown;
}

export const { AKSKSigner } = require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner') as {
  AKSKSigner: { sign(request: OfficialSignerRequest, credential: { getAk(): string; getSk(): string }): Record<string, string> };
};

interface HcClientLike {
  sendRequest(options: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/**
 * A client as a generated service client (e.g. `KmsClient`) gets it from `ClientBuilder`: `HcClient` over
 * `DefaultHttpClient` (axios, Node's global keep-alive agent), `BasicCredentials` signing with `AKSKSigner`.
 */
export function officialClient(endpoint: string, ak: string, sk: string, projectId: string): HcClientLike {
  // What `ClientBuilder.build()` does; the builder itself is not used because its user-agent module requires
  // `uuid`, which the SDK core does not declare as a dependency.
  const { HcClient } = require('@huaweicloud/huaweicloud-sdk-core/HcClient') as {
    HcClient: new (http: unknown) => HcClientLike & { withCredential(c: unknown): { withEndpoints(e: string[]): HcClientLike } };
  };
  const { DefaultHttpClient } = require('@huaweicloud/huaweicloud-sdk-core/http/DefaultHttpClient') as {
    DefaultHttpClient: new (options: Record<string, unknown>, endpoints: string[]) => unknown;
  };
  const { BasicCredentials } = require('@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials') as {
    BasicCredentials: new () => { withAk(ak: string): { withSk(sk: string): { withProjectId(id: string): unknown } } };
  };
  const credentials = new BasicCredentials().withAk(ak).withSk(sk).withProjectId(projectId);
  const http = new DefaultHttpClient({ disableSslVerification: true, headers: { 'User-Agent': 'huaweicloud-usdk-nodejs/3.0' } }, [endpoint]);
  return new HcClient(http).withCredential(credentials).withEndpoints([endpoint]);
}

/** What a generated `KmsClient.listKeyDetail` hands to `HcClient.sendRequest`. */
export function listKeyDetailOptions(keyId: string): Record<string, unknown> {
  return {
    method: 'POST',
    url: '/v1.0/{project_id}/kms/describe-key',
    contentType: 'application/json;charset=UTF-8',
    queryParams: {},
    pathParams: {},
    headers: { 'Content-Type': 'application/json;charset=UTF-8' },
    data: { key_id: keyId },
  };
}
