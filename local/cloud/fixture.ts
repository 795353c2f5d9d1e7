import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { defaultFixture } from './default-fixture.ts';

/**
 * What the local cloud starts with: identities and resources, JSON-serializable so a fixture can live in a
 * file (`loadFixture`) and `GET /__admin/state` can hand one back. Resource fields use the wire names of the
 * real APIs. A resource without `project_id` belongs to the first user's project.
 */
export interface Fixture {
  /** Default `cn-north-4`. */
  region?: string;
  /** Lifetime of IAM tokens from `POST /v3/auth/tokens`, in seconds. Default 86400 (24 h). */
  tokenTtlSeconds?: number;
  /**
   * IAM users with permanent AK/SK and a password. The first one is `LocalCloud.identity`. A fixture without
   * `users` (such as what `GET /__admin/state` returns, which never shows a secret key) gets the demo identities
   * of `defaultFixture` (user `warden-demo` and its agency).
   */
  users: FixtureUser[];
  /** Temporary credentials (AK/SK + security token), as an agency hands them to a FunctionGraph function. */
  agencies?: FixtureAgency[];
  keys?: FixtureKey[];
  secrets?: FixtureSecret[];
  events?: FixtureEvent[];
  servers?: FixtureServer[];
  checkpointItems?: FixtureCheckpointItem[];
  /** CBR vaults and the servers they protect. */
  vaults?: FixtureVault[];
  /** CBR server backups. */
  backups?: FixtureBackup[];
  topics?: FixtureTopic[];
  /** FunctionGraph functions (their `latest` version) with their triggers. */
  functions?: FixtureFunction[];
  /** CTS traces recorded before the cloud started (the audit trail ListTraces answers from). */
  traces?: FixtureTrace[];
}

export interface FixtureUser {
  userId: string;
  userName: string;
  password: string;
  ak: string;
  sk: string;
  domainId: string;
  domainName: string;
  projectId: string;
  /** Project name used in IAM token scopes; defaults to the region (as on the real cloud). */
  projectName?: string;
}

export interface FixtureAgency {
  agencyName: string;
  agencyId: string;
  /** Shown in CTS traces as `<agencyName>/<sessionName>`. */
  sessionName?: string;
  ak: string;
  sk: string;
  securityToken: string;
  /** An IAM token for the same agency (what a FunctionGraph context's `getToken()` returns). */
  authToken?: string;
  domainId: string;
  domainName: string;
  projectId: string;
  /** ISO time after which the credentials are refused. */
  expiresAt?: string;
}

export type KeyState = '1' | '2' | '3' | '4' | '5';

export interface FixtureKey {
  key_id: string;
  key_alias: string;
  key_description?: string;
  /** "2" enabled (default), "3" disabled, "4" pending deletion, "5" pending import, "1" pending activation. */
  key_state?: KeyState;
  tags?: Record<string, string>;
  /** Epoch milliseconds as a string, like the API. */
  creation_date?: string;
  /** "1" for a service default key (alias ending in `/default`); derived from the alias when absent. */
  default_key_flag?: '0' | '1';
  scheduled_deletion_date?: string;
  key_spec?: string;
  key_usage?: string;
  origin?: 'kms' | 'external';
  project_id?: string;
}

export interface FixtureSecret {
  name: string;
  id?: string;
  kms_key_id?: string;
  description?: string;
  event_subscriptions?: string[];
  state?: 'ENABLED' | 'DISABLED' | 'PENDING_DELETE' | 'FROZEN';
  secret_type?: 'COMMON' | 'RDS-FG' | 'GaussDB-FG';
  /** Epoch milliseconds. */
  create_time?: number;
  update_time?: number;
  project_id?: string;
}

export interface FixtureEvent {
  name: string;
  event_id?: string;
  event_types: string[];
  state?: 'ENABLED' | 'DISABLED';
  notification: { target_type: 'SMN'; target_id: string; target_name: string };
  /** Epoch milliseconds. */
  create_time?: number;
  update_time?: number;
  project_id?: string;
}

export interface FixtureVolume {
  id: string;
  name?: string;
  /** GB. */
  size?: number;
  bootable?: boolean;
}

export interface FixtureServer {
  id: string;
  name: string;
  /** e.g. ACTIVE (default), SHUTOFF, RESTORING. */
  status?: string;
  /** Attached EVS disks; a bare string is a volume id. */
  volumes: Array<string | FixtureVolume>;
  /** ECS tags (ListServersDetails shows them as `key=value`). */
  tags?: Record<string, string>;
  /** Creation time as ECS writes it, e.g. `2024-01-15T08:00:00Z` (the default). */
  created?: string;
  project_id?: string;
}

export interface FixtureVolumeBackup {
  id: string;
  source_volume_id: string;
  name?: string;
  source_volume_name?: string;
  source_volume_size?: number;
  size?: number;
  bootable?: boolean;
  status?: string;
}

export interface FixtureCheckpointItem {
  id: string;
  checkpoint_id?: string;
  name?: string;
  /** available, protecting, error, deleting, ... */
  status: string;
  /** e.g. `2024-05-01T02:00:00.000000`. */
  created_at: string;
  updated_at?: string;
  /** The backed-up server's id. */
  resource_id: string;
  resource_type?: string;
  resource_name?: string;
  volume_backups: FixtureVolumeBackup[];
  project_id?: string;
}

export interface FixtureVaultResource {
  id: string;
  /** Default: the server's name. */
  name?: string;
  /** Default `OS::Nova::Server`. */
  type?: string;
  /** Disks of the server left out of its backups. */
  exclude_volumes?: string[];
}

export interface FixtureVault {
  id: string;
  name: string;
  /** Default `server`. */
  object_type?: 'server' | 'disk' | 'turbo' | 'workspace' | 'vmware' | 'rds' | 'file';
  /** Default `available`. */
  status?: string;
  created_at?: string;
  /** What the vault protects; a bare string is a server id. */
  resources: Array<string | FixtureVaultResource>;
  project_id?: string;
}

export interface FixtureBackupChild {
  id: string;
  /** The disk (volume) backed up. */
  resource_id: string;
  resource_name?: string;
  resource_size?: number;
  bootable?: boolean;
  /** Default: the backup's status. */
  status?: string;
}

export interface FixtureBackup {
  id: string;
  vault_id: string;
  /** The server backed up. */
  resource_id: string;
  resource_name?: string;
  /** Default `OS::Nova::Server`. */
  resource_type?: string;
  /** Default `backup`. */
  image_type?: 'backup' | 'replication';
  checkpoint_id?: string;
  name?: string;
  /** available, protecting, error, … (any text: tests use undocumented ones too). */
  status: string;
  /** `2024-05-01T02:00:00.000000` (UTC, no zone), as CBR writes it. */
  created_at: string;
  updated_at?: string;
  /** Default null: kept until deleted. */
  expired_at?: string | null;
  /** Default `backup` for an available backup, else `na`; null is answered as null. */
  supported_restore_mode?: string | null;
  /** Disk backups; default one per disk the server has when the fixture is loaded; null: no `children` in the answer. */
  children?: FixtureBackupChild[] | null;
  project_id?: string;
}

export interface FixtureTopic {
  name: string;
  /** Default `urn:smn:<region>:<project_id>:<name>`. */
  topic_urn?: string;
  project_id?: string;
}

export interface FixtureTrigger {
  trigger_type_code: string;
  /** Default ACTIVE. */
  trigger_status?: 'ACTIVE' | 'DISABLED';
  /** As the API shows it (snake_case); taken as given, without the API's checks. */
  event_data: Record<string, unknown>;
  trigger_id?: string;
}

export interface FixtureFunction {
  func_name: string;
  /** Default `default`. */
  package?: string;
  /** Default `Node.js20.15`. */
  runtime?: string;
  type?: 'v1' | 'v2';
  /** Default `index.handler`. */
  handler?: string;
  /** MB, default 256. */
  memory_size?: number;
  /** Seconds, default 30. */
  timeout?: number;
  description?: string;
  /** JSON object of variables, as a string. */
  user_data?: string;
  encrypted_user_data?: string;
  xrole?: string;
  app_xrole?: string;
  /** Default zip. */
  code_type?: 'zip' | 'inline' | 'jar';
  code_filename?: string;
  /** The code, base64 (a zip for zip code); default an empty zip. */
  code?: string;
  func_id?: string;
  /** ISO time; default 2024-01-01. */
  last_modified?: string;
  triggers?: FixtureTrigger[];
  project_id?: string;
}

/** A CTS trace, filled in as the cloud records its own (`local/cloud/cts.ts`): KMS `cmk`, code 200, the first user. */
export interface FixtureTrace {
  trace_name: string;
  resource_id: string;
  /** Epoch milliseconds. */
  time: number;
  resource_name?: string;
  service_type?: string;
  resource_type?: string;
  /** HTTP status of the operation. */
  code?: number;
  request?: Record<string, unknown>;
  response?: Record<string, unknown>;
  /** User name shown in the trace. */
  user?: string;
  trace_id?: string;
  project_id?: string;
}

const str = z.string();
const opt = <T extends z.ZodType>(schema: T) => schema.optional();

const userSchema = z.object({
  userId: str,
  userName: str,
  password: str,
  ak: str.min(1),
  sk: str.min(1),
  domainId: str,
  domainName: str,
  projectId: str.min(1),
  projectName: opt(str),
});

const agencySchema = z.object({
  agencyName: str,
  agencyId: str,
  sessionName: opt(str),
  ak: str.min(1),
  sk: str.min(1),
  securityToken: str.min(1),
  authToken: opt(str.min(1)),
  domainId: str,
  domainName: str,
  projectId: str.min(1),
  expiresAt: opt(str.refine((v) => !Number.isNaN(Date.parse(v)), 'expiresAt must be an ISO date')),
});

const keySchema = z.object({
  key_id: str.regex(/^[0-9a-z]{8}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}$/, 'key_id must look like a KMS key id'),
  key_alias: str.min(1).max(255),
  key_description: opt(str.max(255)),
  key_state: opt(z.enum(['1', '2', '3', '4', '5'])),
  tags: opt(z.record(str, str)),
  creation_date: opt(str.regex(/^\d+$/)),
  default_key_flag: opt(z.enum(['0', '1'])),
  scheduled_deletion_date: opt(str),
  key_spec: opt(str),
  key_usage: opt(str),
  origin: opt(z.enum(['kms', 'external'])),
  project_id: opt(str),
});

const secretSchema = z.object({
  name: str.regex(/^[a-zA-Z0-9_-]{1,64}$/),
  id: opt(str),
  kms_key_id: opt(str),
  description: opt(str),
  event_subscriptions: opt(z.array(str)),
  state: opt(z.enum(['ENABLED', 'DISABLED', 'PENDING_DELETE', 'FROZEN'])),
  secret_type: opt(z.enum(['COMMON', 'RDS-FG', 'GaussDB-FG'])),
  create_time: opt(z.number()),
  update_time: opt(z.number()),
  project_id: opt(str),
});

const eventSchema = z.object({
  name: str.regex(/^[a-zA-Z0-9_-]{1,64}$/),
  event_id: opt(str),
  event_types: z.array(str),
  state: opt(z.enum(['ENABLED', 'DISABLED'])),
  notification: z.object({ target_type: z.literal('SMN'), target_id: str, target_name: str }),
  create_time: opt(z.number()),
  update_time: opt(z.number()),
  project_id: opt(str),
});

const volumeSchema = z.union([
  str,
  z.object({ id: str, name: opt(str), size: opt(z.number()), bootable: opt(z.boolean()) }),
]);

const serverSchema = z.object({
  id: str,
  name: str,
  status: opt(str),
  volumes: z.array(volumeSchema),
  tags: opt(z.record(str, str)),
  created: opt(str),
  project_id: opt(str),
});

const vaultSchema = z.object({
  id: str.min(1),
  name: str,
  object_type: opt(z.enum(['server', 'disk', 'turbo', 'workspace', 'vmware', 'rds', 'file'])),
  status: opt(str),
  created_at: opt(str),
  resources: z.array(z.union([str, z.object({ id: str, name: opt(str), type: opt(str), exclude_volumes: opt(z.array(str)) })])),
  project_id: opt(str),
});

const backupSchema = z.object({
  id: str.min(1),
  vault_id: str,
  resource_id: str,
  resource_name: opt(str),
  resource_type: opt(str),
  image_type: opt(z.enum(['backup', 'replication'])),
  checkpoint_id: opt(str),
  name: opt(str),
  status: str,
  created_at: str,
  updated_at: opt(str),
  expired_at: opt(str.nullable()),
  supported_restore_mode: opt(str.nullable()),
  children: opt(
    z
      .array(
        z.object({
          id: str,
          resource_id: str,
          resource_name: opt(str),
          resource_size: opt(z.number()),
          bootable: opt(z.boolean()),
          status: opt(str),
        }),
      )
      .nullable(),
  ),
  project_id: opt(str),
});

const checkpointItemSchema = z.object({
  id: str,
  checkpoint_id: opt(str),
  name: opt(str),
  status: str,
  created_at: str,
  updated_at: opt(str),
  resource_id: str,
  resource_type: opt(str),
  resource_name: opt(str),
  volume_backups: z.array(
    z.object({
      id: str,
      source_volume_id: str,
      name: opt(str),
      source_volume_name: opt(str),
      source_volume_size: opt(z.number()),
      size: opt(z.number()),
      bootable: opt(z.boolean()),
      status: opt(str),
    }),
  ),
  project_id: opt(str),
});

const topicSchema = z.object({ name: str, topic_urn: opt(str), project_id: opt(str) });

/** `user_data`: a JSON object of string variables, as a string (what a runner hands the function). */
const variables = str.refine((text) => {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && Object.values(parsed).every((v) => typeof v === 'string');
  } catch {
    return false;
  }
}, 'must be a JSON object of string variables');

const functionSchema = z.object({
  func_name: str.regex(/^[A-Za-z](?:[A-Za-z0-9_-]{0,58}[A-Za-z0-9])?$/, 'func_name must be a FunctionGraph function name'),
  package: opt(str.min(1)),
  runtime: opt(str.min(1)),
  type: opt(z.enum(['v1', 'v2'])),
  handler: opt(str.min(1)),
  memory_size: opt(z.number().int().positive()),
  timeout: opt(z.number().int().positive()),
  description: opt(str),
  user_data: opt(variables),
  encrypted_user_data: opt(variables),
  xrole: opt(str),
  app_xrole: opt(str),
  code_type: opt(z.enum(['zip', 'inline', 'jar'])),
  code_filename: opt(str),
  code: opt(str.regex(/^[A-Za-z0-9+/]*={0,2}$/, 'code must be base64')),
  func_id: opt(str),
  last_modified: opt(str.refine((v) => !Number.isNaN(Date.parse(v)), 'last_modified must be an ISO date')),
  triggers: opt(
    z.array(
      z.object({
        trigger_type_code: str.min(1),
        trigger_status: opt(z.enum(['ACTIVE', 'DISABLED'])),
        event_data: z.record(str, z.unknown()),
        trigger_id: opt(str.min(1)),
      }),
    ),
  ),
  project_id: opt(str),
});

const traceSchema = z.object({
  trace_name: str.min(1),
  resource_id: str,
  time: z.number().int().nonnegative(),
  resource_name: opt(str),
  service_type: opt(str.min(1)),
  resource_type: opt(str.min(1)),
  code: opt(z.number().int()),
  request: opt(z.record(str, z.unknown())),
  response: opt(z.record(str, z.unknown())),
  user: opt(str),
  trace_id: opt(str.min(1)),
  project_id: opt(str),
});

export const fixtureSchema: z.ZodType<Fixture> = z.object({
  region: opt(str.min(1)),
  tokenTtlSeconds: opt(z.number().positive()),
  users: z.array(userSchema).min(1, 'a fixture needs at least one user'),
  agencies: opt(z.array(agencySchema)),
  keys: opt(z.array(keySchema)),
  secrets: opt(z.array(secretSchema)),
  events: opt(z.array(eventSchema)),
  servers: opt(z.array(serverSchema)),
  checkpointItems: opt(z.array(checkpointItemSchema)),
  vaults: opt(z.array(vaultSchema)),
  backups: opt(z.array(backupSchema)),
  topics: opt(z.array(topicSchema)),
  functions: opt(z.array(functionSchema)),
  traces: opt(z.array(traceSchema)),
});

/** Validates a fixture (from a file, an admin request or a test); throws a readable error. */
export function parseFixture(value: unknown, source = 'fixture'): Fixture {
  const demo = defaultFixture();
  const withIdentities =
    typeof value === 'object' && value !== null && !Array.isArray(value) && !('users' in value) ? { users: demo.users, agencies: demo.agencies, ...value } : value;
  const parsed = fixtureSchema.safeParse(withIdentities);
  if (!parsed.success) throw new Error(`${source} is not a valid fixture:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export function loadFixture(path: string): Fixture {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read fixture ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`fixture ${path} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseFixture(json, `fixture ${path}`);
}
