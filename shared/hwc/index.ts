import { createAuthenticator, credentialsFromEnv, SDK_ENV } from './credentials.ts';
import type { Credentials } from './credentials.ts';
import { resolveEndpoints } from './endpoints.ts';
import type { Endpoints } from './endpoints.ts';
import { CsbsApi } from './csbs.ts';
import { CsmsApi } from './csms.ts';
import { IamApi } from './iam.ts';
import { KmsApi } from './kms.ts';
import { SmnApi } from './smn.ts';
import type { ApiContext } from './schema.ts';
import { Transport } from './transport.ts';
import type { RetryPolicy, TimeoutPolicy } from './transport.ts';

/** The Huawei Cloud client: one signed, pooled, retrying transport shared by every service. */

export interface HuaweiCloudOptions {
  readonly region: string;
  readonly projectId: string;
  readonly credentials: Credentials;
  /** Per-service endpoint overrides; they win over `env`. */
  readonly endpoints?: Partial<Endpoints> | undefined;
  readonly retry?: Partial<RetryPolicy> | undefined;
  readonly timeouts?: Partial<TimeoutPolicy> | undefined;
  /** Connections per origin. */
  readonly connections?: number | undefined;
  /** Where `HUAWEICLOUD_ENDPOINT_URL` / `HUAWEICLOUD_ENDPOINT_URL_<SERVICE>` are read; nothing is read when absent. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  readonly userAgent?: string | undefined;
  /** Largest answer body read, in bytes (default 8 MiB, `DEFAULT_MAX_RESPONSE_BYTES`); a larger one fails the call. */
  readonly maxResponseBytes?: number | undefined;
}

/** A service API class: built from the client's transport and project (see `HuaweiCloud.use`). */
export type ServiceApiClass<T> = new (ctx: ApiContext) => T;

/** What `fromEnv` lets a caller set instead of reading it from the environment. */
export type HuaweiCloudOverrides = Partial<Omit<HuaweiCloudOptions, 'env'>>;

export const ENV = {
  region: 'HUAWEICLOUD_REGION',
  projectId: SDK_ENV.projectId,
  retryAttempts: 'HUAWEICLOUD_RETRY_ATTEMPTS',
  retryBaseDelayMs: 'HUAWEICLOUD_RETRY_BASE_DELAY_MS',
  maxResponseBytes: 'HUAWEICLOUD_MAX_RESPONSE_BYTES',
} as const;

const USER_AGENT = 'hwc-warden/0.1.0';

export class HuaweiCloud {
  readonly region: string;
  readonly projectId: string;
  readonly endpoints: Endpoints;
  readonly kms: KmsApi;
  readonly csms: CsmsApi;
  readonly csbs: CsbsApi;
  readonly smn: SmnApi;
  readonly iam: IamApi;
  /** Logical calls made and HTTP attempts sent (retries included), live. */
  readonly stats: { readonly calls: number; readonly attempts: number };
  private readonly transport: Transport;
  private readonly ctx: ApiContext;
  private readonly attached = new Map<ServiceApiClass<unknown>, unknown>();

  constructor(options: HuaweiCloudOptions) {
    if (!options.region) throw new Error('HuaweiCloud: region is required');
    if (!options.projectId) throw new Error('HuaweiCloud: projectId is required');
    this.region = options.region;
    this.projectId = options.projectId;
    this.endpoints = resolveEndpoints(options.region, options.env ?? {}, options.endpoints ?? {});
    const projectId = options.projectId;
    const authenticator = createAuthenticator(options.credentials, (password) =>
      this.iam.createTokenByPassword({
        userName: password.userName,
        password: password.password,
        domainName: password.domainName,
        projectId,
      }),
    );
    this.transport = new Transport({
      endpoints: this.endpoints,
      projectId,
      authenticator,
      retry: options.retry,
      timeouts: options.timeouts,
      connections: options.connections,
      userAgent: options.userAgent ?? USER_AGENT,
      maxResponseBytes: options.maxResponseBytes,
    });
    this.stats = this.transport.stats;
    const ctx: ApiContext = { transport: this.transport, projectId };
    this.ctx = ctx;
    this.kms = new KmsApi(ctx);
    this.csms = new CsmsApi(ctx);
    this.csbs = new CsbsApi(ctx);
    this.smn = new SmnApi(ctx);
    this.iam = new IamApi(ctx);
  }

  /**
   * This client bounded by `deadline`, e.g. one invocation's: every call made through it, by the built-in services
   * and by those it attaches with `use`, receives the signal (with the call's own); once it aborts, nothing more is
   * sent, the calls in flight are cut and no retry is made, each failing as an HwcError `WARDEN.DEADLINE`
   * (`isDeadlineError`). The connection pools, credentials and stats stay this client's, shared across views;
   * closing a view closes the client.
   */
  withDeadline(deadline: AbortSignal): HuaweiCloud {
    const transport = this.transport.withDeadline(deadline);
    const ctx: ApiContext = { transport, projectId: this.projectId };
    // Everything not set here (region, endpoints, stats, the authenticator behind the transport) is read through
    // the prototype from this client.
    return Object.assign(Object.create(this) as HuaweiCloud, {
      transport,
      ctx,
      attached: new Map<ServiceApiClass<unknown>, unknown>(),
      kms: new KmsApi(ctx),
      csms: new CsmsApi(ctx),
      csbs: new CsbsApi(ctx),
      smn: new SmnApi(ctx),
      iam: new IamApi(ctx),
    });
  }

  /**
   * A client configured from the environment: `HUAWEICLOUD_REGION` and `HUAWEICLOUD_SDK_PROJECT_ID` (required),
   * credentials as `credentialsFromEnv` reads them, `HUAWEICLOUD_ENDPOINT_URL[_<SERVICE>]`, and
   * `HUAWEICLOUD_RETRY_ATTEMPTS`, `HUAWEICLOUD_RETRY_BASE_DELAY_MS`, `HUAWEICLOUD_MAX_RESPONSE_BYTES`. `overrides`
   * win over the environment.
   */
  static fromEnv(env: Readonly<Record<string, string | undefined>> = process.env, overrides: HuaweiCloudOverrides = {}): HuaweiCloud {
    const region = overrides.region ?? required(env, ENV.region, 'the region, e.g. cn-north-4');
    const projectId = overrides.projectId ?? required(env, ENV.projectId, 'the project id of that region');
    const credentials = overrides.credentials ?? credentialsFromEnv(env);
    const attempts = env[ENV.retryAttempts];
    const baseDelay = env[ENV.retryBaseDelayMs];
    const fromEnv = {
      ...(attempts ? { attempts: wholeNumber(ENV.retryAttempts, attempts) } : {}),
      ...(baseDelay ? { baseDelayMs: wholeNumber(ENV.retryBaseDelayMs, baseDelay, 0) } : {}),
    };
    const retry = attempts || baseDelay ? { ...fromEnv, ...overrides.retry } : overrides.retry;
    const maxBytes = env[ENV.maxResponseBytes];
    const maxResponseBytes = overrides.maxResponseBytes ?? (maxBytes ? wholeNumber(ENV.maxResponseBytes, maxBytes) : undefined);
    return new HuaweiCloud({ ...overrides, region, projectId, credentials, retry, maxResponseBytes, env });
  }

  /**
   * A service API that is not built into every client, on this client's transport: `cloud.use(CbrApi)`. Only
   * the code that imports such an API carries it, so a function bundle holds the services it uses and no
   * others. One instance per class and client.
   */
  use<T>(Api: ServiceApiClass<T>): T {
    let api = this.attached.get(Api) as T | undefined;
    if (api === undefined) {
      api = new Api(this.ctx);
      this.attached.set(Api, api);
    }
    return api;
  }

  /** Closes the connection pools; calls after this fail. */
  close(): Promise<void> {
    return this.transport.close();
  }
}

function required(env: Readonly<Record<string, string | undefined>>, name: string, what: string): string {
  const value = env[name]?.trim();
  if (!value) throw new Error(`${name} is not set: it must name ${what}`);
  return value;
}

function wholeNumber(name: string, value: string, min = 1): number {
  const parsed = Number(value.trim());
  if (!/^\d+$/.test(value.trim()) || parsed < min) throw new Error(`${name} must be a whole number ≥ ${min}, got ${JSON.stringify(value)}`);
  return parsed;
}

export { HwcError, LocalErrorCode, isDeadlineError } from './errors.ts';
export type { HwcErrorDetails } from './errors.ts';
export { credentialsFromContext, credentialsFromEnv } from './credentials.ts';
export type { Credentials, FunctionGraphCredentialSource, IssuedToken } from './credentials.ts';
export { signRequest } from './signer.ts';
export type { AkSk, SigningInput } from './signer.ts';
export { SERVICES, defaultEndpoints, resolveEndpoints } from './endpoints.ts';
export type { Endpoints, ServiceName } from './endpoints.ts';
export { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_RETRY, DEFAULT_TIMEOUTS } from './transport.ts';
export type { RetryPolicy, TimeoutPolicy } from './transport.ts';
export type { ApiContext, CallOptions } from './schema.ts';
export { DEFAULT_PAGE_SIZE } from './paginate.ts';
export { KmsApi, KeyState, MAX_TAGS, isDefaultKey } from './kms.ts';
export type {
  BatchCreateKmsTagsRequest,
  CountKmsByTagsRequest,
  CreateKeyRequest,
  CreateKeyResponse,
  DeleteKeyRequest,
  KeyDetails,
  KeyIdRequest,
  KeyStatusInfo,
  KeyStatusResponse,
  KmsResource,
  ListKeyDetailResponse,
  ListKeysRequest,
  ListKeysResponse,
  ListKmsByTagsRequest,
  ListKmsByTagsResponse,
  ShowKmsTagsResponse,
  Tag,
  TagItem,
  UpdateKeyDescriptionRequest,
  UpdateKeyDescriptionResponse,
} from './kms.ts';
export { CsmsApi, SECRET_EVENT_TYPES } from './csms.ts';
export type {
  CreateSecretEventRequest,
  CreateSecretRequest,
  EventNameRequest,
  ListSecretEventsRequest,
  ListSecretEventsResponse,
  ListSecretsRequest,
  ListSecretsResponse,
  Notification,
  PageInfo,
  Secret,
  SecretEvent,
  SecretEventResponse,
  SecretResponse,
  UpdateSecretRequest,
} from './csms.ts';
export { CsbsApi, CSBS_PROVIDER_ID, CHECKPOINT_ITEM_STATUSES } from './csbs.ts';
export type {
  CheckRestorableRequest,
  CheckRestorableResponse,
  CheckpointItem,
  CheckpointItemExtendInfo,
  ListCheckpointItemsRequest,
  ListCheckpointItemsResponse,
  RestorableResult,
  VolumeBackup,
} from './csbs.ts';
export { SmnApi, SMN_MAX_MESSAGE_BYTES, SMN_MAX_SUBJECT_BYTES } from './smn.ts';
export type { PublishMessageRequest, PublishMessageResponse } from './smn.ts';
export { IamApi } from './iam.ts';
export type { AuthProject, CreateTokenByPasswordRequest, ListAuthProjectsResponse } from './iam.ts';
// FunctionGraph is attached where it is used (`cloud.use(FunctionGraphApi)`), imported from './functiongraph.ts'
// itself: re-exporting its values here would put its schemas into every function bundle. Its types are free.
export type {
  ApigEventData,
  AsyncInvokeFunctionRequest,
  AsyncInvokeFunctionResponse,
  CodeType,
  CreateFunctionRequest,
  CreateFunctionTriggerRequest,
  CtsEventData,
  FunctionCode,
  FunctionConfig,
  FunctionUrnRequest,
  InvokeFunctionRequest,
  InvokeFunctionResponse,
  ListFunctionsRequest,
  ListFunctionsResponse,
  Runtime,
  TimerEventData,
  Trigger,
  TriggerRequest,
  TriggerStatus,
  TriggerType,
  UpdateFunctionCodeRequest,
  UpdateFunctionConfigRequest,
  UpdateTriggerRequest,
} from './functiongraph-model.ts';
// CTS too: attached by guard-key-deletion alone (`cloud.use(CtsApi)`, from './cts.ts').
export type { ListTracesRequest, ListTracesResponse, Trace } from './cts.ts';
// CBR and ECS are attached on demand (`cloud.use(CbrApi)`, `cloud.use(EcsApi)`, imported from `./cbr.ts` and
// `./ecs.ts`): re-exporting their classes or schemas here would put them in every function's bundle.
export type { Backup, BackupChild, BackupStatus, CbrApi, ListBackupsRequest, ListVaultRequest, RestoreMode, Vault, VaultResource } from './cbr.ts';
export type { EcsApi, ListServerBlockDevicesResponse, ListServersDetailsRequest, ServerBlockDevice, ServerDetail, ServerStatus } from './ecs.ts';
