import type { HuaweiCloud } from '../shared/hwc/index.ts';
import type { ZodMiniType } from '../shared/zod.ts';
import { BackupIdRequestSchema, CbrApi, ListBackupsRequestSchema, ListVaultRequestSchema } from '../shared/hwc/cbr.ts';
import { CheckRestorableRequestSchema, CountCheckpointItemsRequestSchema, ListCheckpointItemsRequestSchema } from '../shared/hwc/csbs.ts';
import {
  CreateSecretEventRequestSchema,
  CreateSecretRequestSchema,
  EventNameRequestSchema,
  ListSecretEventsRequestSchema,
  ListSecretsRequestSchema,
  UpdateSecretRequestSchema,
} from '../shared/hwc/csms.ts';
import { CtsApi, ListTracesRequestSchema } from '../shared/hwc/cts.ts';
import { EcsApi, ListServersDetailsRequestSchema, ServerIdRequestSchema } from '../shared/hwc/ecs.ts';
import { FunctionGraphApi } from '../shared/hwc/functiongraph.ts';
import {
  AsyncInvokeFunctionRequestSchema,
  CreateFunctionRequestSchema,
  CreateFunctionTriggerRequestSchema,
  FunctionUrnRequestSchema,
  InvokeFunctionRequestSchema,
  ListFunctionsRequestSchema,
  TriggerRequestSchema,
  UpdateFunctionCodeRequestSchema,
  UpdateFunctionConfigRequestSchema,
  UpdateTriggerRequestSchema,
} from '../shared/hwc/functiongraph-model.ts';
import {
  BatchCreateKmsTagsRequestSchema,
  CreateKeyRequestSchema,
  DeleteKeyRequestSchema,
  KeyIdRequestSchema,
  ListKmsByTagsFilterSchema,
  ListKeysRequestSchema,
  ListKmsByTagsRequestSchema,
  UpdateKeyDescriptionRequestSchema,
} from '../shared/hwc/kms.ts';
import { PublishMessageRequestSchema } from '../shared/hwc/smn.ts';

/**
 * Every operation of `shared/hwc` that `warden api` can call, by service, with the schema its input is checked
 * against before anything is sent. Explicit rather than found by reflection, so each entry names its schema;
 * test/cli/api.test.ts fails when a public method of an `…Api` class is missing here.
 */

export interface OperationEntry {
  /** The input's schema; `null` for an operation that takes none. */
  readonly input: ZodMiniType | null;
  /** Why `warden api` will not call it, when it won't. */
  readonly refused?: string;
}

export interface ServiceEntry {
  /** The `…Api` class's name in shared/hwc. */
  readonly className: string;
  readonly api: (cloud: HuaweiCloud) => object;
  readonly operations: Readonly<Record<string, OperationEntry>>;
}

const takes = (input: ZodMiniType): OperationEntry => ({ input });

export const CATALOGUE: Readonly<Record<string, ServiceEntry>> = {
  kms: {
    className: 'KmsApi',
    api: (cloud) => cloud.kms,
    operations: {
      listKeys: takes(ListKeysRequestSchema),
      listKeysPage: takes(ListKeysRequestSchema),
      listKeyDetail: takes(KeyIdRequestSchema),
      createKey: takes(CreateKeyRequestSchema),
      deleteKey: takes(DeleteKeyRequestSchema),
      cancelKeyDeletion: takes(KeyIdRequestSchema),
      updateKeyDescription: takes(UpdateKeyDescriptionRequestSchema),
      enableKey: takes(KeyIdRequestSchema),
      disableKey: takes(KeyIdRequestSchema),
      showKmsTags: takes(KeyIdRequestSchema),
      batchCreateKmsTags: takes(BatchCreateKmsTagsRequestSchema),
      listKmsByTags: takes(ListKmsByTagsRequestSchema),
      listKmsByTagsPage: takes(ListKmsByTagsRequestSchema),
      countKmsByTags: takes(ListKmsByTagsFilterSchema),
    },
  },
  csms: {
    className: 'CsmsApi',
    api: (cloud) => cloud.csms,
    operations: {
      listSecretEvents: takes(ListSecretEventsRequestSchema),
      listSecretEventsPage: takes(ListSecretEventsRequestSchema),
      showSecretEvent: takes(EventNameRequestSchema),
      createSecretEvent: takes(CreateSecretEventRequestSchema),
      deleteSecretEvent: takes(EventNameRequestSchema),
      listSecrets: takes(ListSecretsRequestSchema),
      listSecretsPage: takes(ListSecretsRequestSchema),
      createSecret: takes(CreateSecretRequestSchema),
      updateSecret: takes(UpdateSecretRequestSchema),
    },
  },
  csbs: {
    className: 'CsbsApi',
    api: (cloud) => cloud.csbs,
    operations: {
      listCheckpointItems: takes(ListCheckpointItemsRequestSchema),
      listCheckpointItemsPage: takes(ListCheckpointItemsRequestSchema),
      countCheckpointItems: takes(CountCheckpointItemsRequestSchema),
      checkRestorable: takes(CheckRestorableRequestSchema),
    },
  },
  cbr: {
    className: 'CbrApi',
    api: (cloud) => cloud.use(CbrApi),
    operations: {
      listBackups: takes(ListBackupsRequestSchema),
      listBackupsPage: takes(ListBackupsRequestSchema),
      showBackup: takes(BackupIdRequestSchema),
      listVault: takes(ListVaultRequestSchema),
      listVaultPage: takes(ListVaultRequestSchema),
    },
  },
  ecs: {
    className: 'EcsApi',
    api: (cloud) => cloud.use(EcsApi),
    operations: {
      listServersDetails: takes(ListServersDetailsRequestSchema),
      listServersDetailsPage: takes(ListServersDetailsRequestSchema),
      listServerBlockDevices: takes(ServerIdRequestSchema),
    },
  },
  cts: {
    className: 'CtsApi',
    api: (cloud) => cloud.use(CtsApi),
    operations: {
      listTraces: takes(ListTracesRequestSchema),
      listTracesPage: takes(ListTracesRequestSchema),
    },
  },
  smn: {
    className: 'SmnApi',
    api: (cloud) => cloud.smn,
    operations: { publishMessage: takes(PublishMessageRequestSchema) },
  },
  iam: {
    className: 'IamApi',
    api: (cloud) => cloud.iam,
    operations: {
      listAuthProjects: { input: null },
      createTokenByPassword: { input: null, refused: 'its answer is a credential (an IAM token) and its input a password; use the console or KooCLI' },
    },
  },
  functiongraph: {
    className: 'FunctionGraphApi',
    api: (cloud) => cloud.use(FunctionGraphApi),
    operations: {
      listFunctions: takes(ListFunctionsRequestSchema),
      listFunctionsPage: takes(ListFunctionsRequestSchema),
      showFunctionConfig: takes(FunctionUrnRequestSchema),
      showFunctionCode: takes(FunctionUrnRequestSchema),
      createFunction: takes(CreateFunctionRequestSchema),
      updateFunctionCode: takes(UpdateFunctionCodeRequestSchema),
      updateFunctionConfig: takes(UpdateFunctionConfigRequestSchema),
      deleteFunction: takes(FunctionUrnRequestSchema),
      listFunctionTriggers: takes(FunctionUrnRequestSchema),
      showFunctionTrigger: takes(TriggerRequestSchema),
      createFunctionTrigger: takes(CreateFunctionTriggerRequestSchema),
      updateTrigger: takes(UpdateTriggerRequestSchema),
      deleteFunctionTrigger: takes(TriggerRequestSchema),
      batchDeleteFunctionTriggers: takes(FunctionUrnRequestSchema),
      invokeFunction: takes(InvokeFunctionRequestSchema),
      asyncInvokeFunction: takes(AsyncInvokeFunctionRequestSchema),
    },
  },
};

/** The fields an input must carry (those the schema does not mark optional); for a union, those every branch needs. */
export function requiredFields(schema: ZodMiniType | null): string[] {
  if (schema === null) return [];
  const def = (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
  switch (def.type) {
    case 'object':
      return Object.entries(def.shape ?? {})
        .filter(([, field]) => (field as { _zod: { optin?: string } })._zod.optin !== 'optional')
        .map(([name]) => name);
    case 'pipe':
      return requiredFields(def.in ?? null);
    case 'union': {
      const branches = (def.options ?? []).map(requiredFields);
      return (branches[0] ?? []).filter((name) => branches.every((branch) => branch.includes(name)));
    }
    default:
      return [];
  }
}

interface SchemaDef {
  readonly type: string;
  readonly shape?: Record<string, unknown>;
  readonly in?: ZodMiniType;
  readonly options?: ZodMiniType[];
}
