import { randomUUID } from 'node:crypto';
import Module, { createRequire } from 'node:module';

/**
 * Loads a module of an official Huawei Cloud SDK (devDependencies). The SDK core's user-agent module requires
 * `uuid`, which the core does not declare as a dependency (and which is not installed): while the SDK loads,
 * that one name resolves to a stand-in built on node:crypto. Nothing else is changed.
 */

const require = createRequire(import.meta.url);
const UUID_STAND_IN = '\0warden-test/uuid';

interface Resolver {
  _resolveFilename(request: string, ...rest: unknown[]): string;
}

export function requireOfficialSdk<T>(id: string): T {
  require.cache[UUID_STAND_IN] ??= { id: UUID_STAND_IN, filename: UUID_STAND_IN, loaded: true, exports: { v4: randomUUID } } as NodeJS.Module;
  const resolver = Module as unknown as Resolver;
  const resolve = resolver._resolveFilename;
  resolver._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
    return request === 'uuid' ? UUID_STAND_IN : resolve.call(this, request, ...rest);
  };
  try {
    return require(id) as T;
  } finally {
    resolver._resolveFilename = resolve;
  }
}

/** The SDK logs every error answer (request headers and all) through log4js: silence it for tests that expect errors. */
export function silenceOfficialSdkLogs(): void {
  const sdkRequire = createRequire(require.resolve('@huaweicloud/huaweicloud-sdk-core/package.json'));
  const log4js = sdkRequire('log4js') as { configure(config: unknown): void };
  log4js.configure({ appenders: { none: { type: 'stdout' } }, categories: { default: { appenders: ['none'], level: 'off' } } });
}
