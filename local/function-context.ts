import { maskSecrets } from '../shared/runtime/redact.ts';

/**
 * What a function is given when something here runs it (`warden invoke`, `npm start`, the embedded
 * FunctionGraph's runner, the tests): its environment, resolved from its layers in one order, and the context
 * object FunctionGraph's Node.js runtime hands a handler. The one place both are made; nothing deployed
 * imports it (FunctionGraph builds its own).
 *
 * The environment, lowest to highest (a later layer wins on a name clash):
 *   1. `service`    serverless.yml `provider.environment.variables`;
 *   2. `userData`   the function's own configuration: serverless.yml `userData`, or FunctionGraph's
 *                   `user_data` with `encrypted_user_data` over it;
 *   3. `connection` where its cloud is: only `HUAWEICLOUD_*` names (the embedded cloud's endpoint, region and
 *                   project locally; the operator's `HUAWEICLOUD_*` against a real project), so a function
 *                   always talks to the cloud it runs against, whatever its configuration says;
 *   4. `operator`   the environment of whoever runs it: only `WARDEN_*` names, as overrides of the policy
 *                   (`WARDEN_DRY_RUN=true npm start`), but never a webhook secret (`WARDEN_WEBHOOK_SECRET`,
 *                   `WARDEN_WEBHOOK_SECRET_<FUNCTION>`): a function's secret is its own, in its user data or `run`;
 *   5. `run`        what the runner sets for this run alone (a generated webhook secret, `--dry-run`).
 * Any other name in `connection` or `operator` (PATH, HOME, a stray `AWS_*`) is not passed on.
 *
 * The context's `getUserData(name)` answers from that resolved environment, so a handler reading its
 * configuration from either place (shared/policy.ts reads user data first) sees the same value.
 */

export interface EnvironmentLayers {
  readonly service?: Readonly<Record<string, string>> | undefined;
  readonly userData?: Readonly<Record<string, string>> | undefined;
  readonly connection?: Readonly<Record<string, string | undefined>> | undefined;
  readonly operator?: Readonly<Record<string, string | undefined>> | undefined;
  readonly run?: Readonly<Record<string, string>> | undefined;
}

const isWebhookSecret = (name: string): boolean => name === 'WARDEN_WEBHOOK_SECRET' || name.startsWith('WARDEN_WEBHOOK_SECRET_');

export function functionEnvironment(layers: EnvironmentLayers): Record<string, string> {
  const env: Record<string, string> = { ...layers.service, ...layers.userData };
  const take = (from: EnvironmentLayers['connection'], wanted: (name: string) => boolean) => {
    for (const [name, value] of Object.entries(from ?? {})) if (value !== undefined && wanted(name)) env[name] = value;
  };
  take(layers.connection, (name) => name.startsWith('HUAWEICLOUD_'));
  take(layers.operator, (name) => name.startsWith('WARDEN_') && !isWebhookSecret(name));
  Object.assign(env, layers.run);
  return env;
}

/** The agency's temporary credentials (FunctionGraph's `getSecurityAccessKey()` and friends). */
export interface AgencyCredentials {
  readonly accessKey: string;
  readonly secretKey: string;
  readonly securityToken: string;
}

export interface ContextOptions {
  readonly requestId: string;
  readonly functionName: string;
  /** Epoch milliseconds at which the platform stops the invocation. */
  readonly deadline: number;
  /** The resolved environment (`functionEnvironment`): what `getUserData` answers from. */
  readonly environment?: Readonly<Record<string, string>>;
  /** Absent: no agency, the `getSecurity*` getters answer "" (as FunctionGraph's do without one). */
  readonly credentials?: AgencyCredentials | undefined;
  /** Where `getLogger()` writes (JSON lines, secrets masked). Default: nowhere. */
  readonly logSink?: (line: string) => void;
  readonly memorySize?: number;
  readonly projectId?: string;
  readonly packageName?: string;
  /** Default `Date.now`: what the remaining time counts down against. */
  readonly now?: () => number;
}

/** The getters FunctionGraph's Node.js context offers that make sense locally (reference: functiongraph-events/context.json). */
export interface FunctionGraphContext {
  getRequestID(): string;
  getRemainingTimeInMilliSeconds(): number;
  getFunctionName(): string;
  getVersion(): string;
  getMemorySize(): number;
  getProjectID(): string;
  getPackage(): string;
  getUserData(key: string): string | undefined;
  getSecurityAccessKey(): string;
  getSecuritySecretKey(): string;
  getSecurityToken(): string;
  getLogger(): { info(...args: unknown[]): void; warn(...args: unknown[]): void; error(...args: unknown[]): void; debug(...args: unknown[]): void };
}

export function functionGraphContext(options: ContextOptions): FunctionGraphContext {
  const now = options.now ?? Date.now;
  const environment = options.environment ?? {};
  const sink = options.logSink ?? (() => undefined);
  const log =
    (level: string) =>
    (...args: unknown[]): void =>
      sink(
        maskSecrets(
          JSON.stringify({ level, time: new Date(now()).toISOString(), function: options.functionName, requestId: options.requestId, message: args.map(String).join(' ') }),
        ),
      );
  const logger = { info: log('info'), warn: log('warn'), error: log('error'), debug: log('debug') };
  return {
    getRequestID: () => options.requestId,
    getRemainingTimeInMilliSeconds: () => Math.max(0, options.deadline - now()),
    getFunctionName: () => options.functionName,
    getVersion: () => 'latest',
    getMemorySize: () => options.memorySize ?? 256,
    getProjectID: () => options.projectId ?? environment['HUAWEICLOUD_SDK_PROJECT_ID'] ?? '',
    getPackage: () => options.packageName ?? 'default',
    getUserData: (key: string) => (Object.hasOwn(environment, key) ? environment[key] : undefined),
    getSecurityAccessKey: () => options.credentials?.accessKey ?? '',
    getSecuritySecretKey: () => options.credentials?.secretKey ?? '',
    getSecurityToken: () => options.credentials?.securityToken ?? '',
    getLogger: () => logger,
  };
}
