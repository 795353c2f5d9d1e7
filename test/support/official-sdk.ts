import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The official Huawei Cloud SDK clients (devDependencies), loaded for tests that drive the embedded cloud with
 * them. `@huaweicloud/huaweicloud-sdk-core` requires `uuid` without declaring it; the project installs it as a
 * devDependency so the SDKs load as published. Clients are built with a custom user agent, so the SDK never
 * writes its application id file into the home directory, and with a silent logger: the SDK logs every error
 * answer in full (headers included), where the tests look at the error itself.
 */

const require = createRequire(import.meta.url);

/** A module of an official SDK, e.g. `@huaweicloud/huaweicloud-sdk-ecs/v2/EcsClient` (CommonJS). */
export function requireOfficialSdk<T>(id: string): T {
  return require(id) as T;
}

/** The SDK logs every error answer (request headers and all) through log4js: silence it for tests that expect errors. */
export function silenceOfficialSdkLogs(): void {
  const sdkRequire = createRequire(require.resolve('@huaweicloud/huaweicloud-sdk-core/package.json'));
  const log4js = sdkRequire('log4js') as { configure(config: unknown): void };
  log4js.configure({ appenders: { none: { type: 'stdout' } }, categories: { default: { appenders: ['none'], level: 'off' } } });
}

export const sdkCore = require('@huaweicloud/huaweicloud-sdk-core') as typeof import('@huaweicloud/huaweicloud-sdk-core');
export const sdkFunctionGraph = require('@huaweicloud/huaweicloud-sdk-functiongraph') as typeof import('@huaweicloud/huaweicloud-sdk-functiongraph');

export interface OfficialClientTarget {
  readonly url: string;
  readonly identity: { readonly ak: string; readonly sk: string; readonly projectId: string };
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** The official FunctionGraph client, signing with AK/SK for the project, pointed at `target`. */
export function officialFunctionGraphClient(target: OfficialClientTarget) {
  const { ak, sk, projectId } = target.identity;
  const credentials = new sdkCore.BasicCredentials().withAk(ak).withSk(sk).withProjectId(projectId);
  const client = sdkFunctionGraph.FunctionGraphClient.newBuilder()
    .withCredential(credentials)
    .withEndpoint(target.url)
    .withOptions({ customUserAgent: 'hwc-warden-tests' })
    .build();
  (client as unknown as { hcClient: { httpClient: { _logger: unknown } } }).hcClient.httpClient._logger = silent;
  return client;
}

/** The fields a FunctionGraph SDK model declares (read from its type declarations), by their wire names. */
export function functionGraphModelFields(model: string): Set<string> {
  const root = dirname(require.resolve('@huaweicloud/huaweicloud-sdk-functiongraph'));
  const declarations = readFileSync(join(root, 'v2', 'model', `${model}.d.ts`), 'utf8');
  const fields = new Set<string>();
  for (const match of declarations.matchAll(/^\s+(?:private |public )?'?([A-Za-z_]+)'?\?[:;]/gm)) fields.add(match[1] as string);
  return fields;
}

/** A wire name as the SDK models' accessors spell it: `func_urn` → `funcUrn`. */
export function camelCase(field: string): string {
  return field.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}
