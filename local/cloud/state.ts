import { createHash, randomUUID } from 'node:crypto';
import type { Fixture, FixtureBackupChild, FixtureFunction, FixtureVault, FixtureVolume, KeyState } from './fixture.ts';
import { traceOfFixture } from './cts.ts';
import type { CtsTrace } from './traces.ts';
import type { ApiVariants } from './variants.ts';

/** The live, in-memory state of the local cloud. Maps are keyed by id (or name where the API addresses by name). */

export interface KmsKey {
  readonly key_id: string;
  readonly project_id: string;
  readonly domain_id: string;
  readonly key_alias: string;
  key_description: string;
  key_state: KeyState;
  readonly default_key_flag: '0' | '1';
  readonly creation_date: string;
  scheduled_deletion_date: string;
  readonly key_spec: string;
  readonly key_usage: string;
  readonly origin: 'kms' | 'external';
  /** Insertion-ordered, like the API lists them. */
  readonly tags: Map<string, string>;
}

export interface Secret {
  readonly id: string;
  readonly name: string;
  readonly project_id: string;
  kms_key_id: string;
  description: string;
  event_subscriptions: string[];
  state: 'ENABLED' | 'DISABLED' | 'PENDING_DELETE' | 'FROZEN';
  readonly secret_type: 'COMMON' | 'RDS-FG' | 'GaussDB-FG';
  auto_rotation: boolean;
  rotation_period: string;
  rotation_func_urn: string;
  readonly create_time: number;
  update_time: number;
  /** The value itself is never kept: only how many versions were stored. */
  version_count: number;
}

export interface SecretEvent {
  readonly event_id: string;
  readonly name: string;
  readonly project_id: string;
  event_types: string[];
  state: 'ENABLED' | 'DISABLED';
  notification: { target_type: 'SMN'; target_id: string; target_name: string };
  readonly create_time: number;
  update_time: number;
}

export interface Volume {
  readonly id: string;
  readonly name: string;
  readonly size: number;
  readonly bootable: boolean;
}

export interface Server {
  readonly id: string;
  readonly name: string;
  readonly project_id: string;
  status: string;
  readonly volumes: Volume[];
  /** ECS tags, shown as `key=value` strings. */
  readonly tags: Map<string, string>;
  /** e.g. `2024-01-15T08:00:00Z`, as ECS writes it. */
  readonly created: string;
}

export interface VolumeBackup {
  readonly id: string;
  readonly source_volume_id: string;
  readonly name: string;
  readonly source_volume_name: string;
  readonly source_volume_size: number;
  readonly size: number;
  readonly bootable: boolean;
  readonly status: string;
}

export interface CheckpointItem {
  readonly id: string;
  readonly checkpoint_id: string;
  readonly name: string;
  readonly project_id: string;
  status: string;
  readonly created_at: string;
  readonly updated_at: string;
  readonly resource_id: string;
  readonly resource_type: string;
  readonly resource_name: string;
  readonly volume_backups: VolumeBackup[];
}

/** A CBR vault and the resources it protects. */
export interface CbrVault {
  readonly id: string;
  readonly name: string;
  readonly project_id: string;
  readonly object_type: NonNullable<FixtureVault['object_type']>;
  status: string;
  readonly created_at: string;
  readonly resources: CbrVaultResource[];
}

export interface CbrVaultResource {
  readonly id: string;
  readonly name: string;
  /** OS::Nova::Server, OS::Cinder::Volume, … */
  readonly type: string;
  /** Disks of the server the vault leaves out of its backups (`extra_info.exclude_volumes`). */
  readonly exclude_volumes: string[];
}

/** A disk backup inside a CBR server backup (`children`). */
export interface CbrDiskBackup {
  readonly id: string;
  /** The disk (EVS volume) it was taken from. */
  readonly resource_id: string;
  readonly resource_name: string;
  readonly resource_size: number;
  readonly bootable: boolean;
  status: string;
}

/** A CBR backup of a server. Undefined where a test wants the answer without the field. */
export interface CbrBackup {
  readonly id: string;
  readonly project_id: string;
  readonly vault_id: string;
  readonly checkpoint_id: string;
  readonly name: string;
  readonly resource_id: string;
  readonly resource_name: string;
  readonly resource_type: string;
  readonly resource_size: number;
  readonly image_type: 'backup' | 'replication';
  status: string;
  /** `2024-05-01T02:00:00.000000` (UTC, no zone). */
  readonly created_at: string;
  readonly updated_at: string;
  /** Null: kept until deleted. */
  readonly expired_at: string | null;
  /** `extend_info.supported_restore_mode`; null as the answer may write it (the documents' examples do). */
  readonly supported_restore_mode: string | null;
  /** Undefined: the answer carries no `children` at all. */
  readonly children: CbrDiskBackup[] | undefined;
}

export interface Topic {
  readonly topic_urn: string;
  readonly name: string;
  readonly project_id: string;
}

export interface PublishedMessage {
  readonly message_id: string;
  readonly request_id: string;
  readonly project_id: string;
  readonly topic_urn: string;
  readonly subject: string | undefined;
  readonly message: string;
  /** Epoch milliseconds. */
  readonly time: number;
}

/** A FunctionGraph function's code as uploaded: the zip (or inline source) bytes and what the API reports of them. */
export interface FunctionCodePackage {
  readonly code_type: 'zip' | 'inline' | 'jar';
  readonly code_filename: string;
  readonly file: Buffer;
  /** SHA-512 of `file`, hex (the API's `digest`). */
  readonly digest: string;
  readonly code_size: number;
}

export interface FunctionTrigger {
  readonly trigger_id: string;
  readonly trigger_type_code: string;
  trigger_status: 'ACTIVE' | 'DISABLED';
  /** As the API shows it (snake_case, with the fields the service fills in). */
  readonly event_data: Readonly<Record<string, unknown>>;
  readonly event_type_code: string | undefined;
  /** Epoch milliseconds. */
  readonly created_time: number;
  last_updated_time: number;
}

/** A FunctionGraph function (its `latest` version: the emulation keeps no published versions). */
export interface FgsFunction {
  readonly func_id: string;
  readonly func_name: string;
  readonly package: string;
  readonly project_id: string;
  readonly domain_id: string;
  /** Without a version: `urn:fss:<region>:<project>:function:<package>:<name>`. */
  readonly func_urn: string;
  readonly runtime: string;
  readonly type: 'v1' | 'v2';
  handler: string;
  memory_size: number;
  timeout: number;
  description: string;
  /** JSON object of variables, as a string (`""` when none). */
  user_data: string;
  /** Kept as written (a runner hands it to the function); never shown back as written. */
  encrypted_user_data: string;
  xrole: string;
  app_xrole: string;
  initializer_handler: string | undefined;
  initializer_timeout: number | undefined;
  pre_stop_handler: string | undefined;
  pre_stop_timeout: number | undefined;
  enterprise_project_id: string;
  strategy_config: { concurrency: number; concurrent_num: number };
  /** Settings stored and shown back but not modelled (func_vpc, log_config, mount_config, ...). */
  settings: Record<string, unknown>;
  code: FunctionCodePackage;
  /** Epoch milliseconds. */
  last_modified: number;
  image_name: string;
  /** Insertion-ordered, like the API lists them. */
  readonly triggers: Map<string, FunctionTrigger>;
}

/** The code package the API reports for these bytes. */
export function codePackage(code_type: FunctionCodePackage['code_type'], code_filename: string, file: Buffer): FunctionCodePackage {
  return { code_type, code_filename, file, digest: createHash('sha512').update(file).digest('hex'), code_size: file.length };
}

/** `urn:fss:<region>:<project>:function:<package>:<name>`. */
export function functionUrn(region: string, projectId: string, pkg: string, name: string): string {
  return `urn:fss:${region}:${projectId}:function:${pkg}:${name}`;
}

/** The smallest valid zip (no entries): the code of a fixture function that names none. */
export const EMPTY_ZIP = Buffer.from('504b0506' + '00'.repeat(18), 'hex');

export type FixtureResources = Pick<Fixture, 'region' | 'keys' | 'secrets' | 'events' | 'servers' | 'checkpointItems' | 'vaults' | 'backups' | 'topics' | 'functions'>;

/** A response kept for a KMS `sequence`, replayed to a retry of the same call. */
export interface StoredResponse {
  readonly status: number;
  readonly body: unknown;
}

/** Names kept sorted, for marker pagination by name that survives deletions between pages. */
export class SortedNames {
  private readonly names: string[] = [];

  get size(): number {
    return this.names.length;
  }

  at(index: number): string | undefined {
    return this.names[index];
  }

  add(name: string): void {
    const index = this.lowerBound(name);
    if (this.names[index] !== name) this.names.splice(index, 0, name);
  }

  delete(name: string): void {
    const index = this.lowerBound(name);
    if (this.names[index] === name) this.names.splice(index, 1);
  }

  /** Index of the first name strictly after `marker` (0 without a marker). */
  indexAfter(marker: string | undefined): number {
    if (marker === undefined) return 0;
    const index = this.lowerBound(marker);
    return this.names[index] === marker ? index + 1 : index;
  }

  private lowerBound(name: string): number {
    let low = 0;
    let high = this.names.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.names[mid] as string) < name) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

/** Everything one project owns. */
export class ProjectState {
  readonly keys = new Map<string, KmsKey>();
  /** Aliases in use: CreateKey refuses duplicates. */
  readonly aliases = new Set<string>();
  /** Keys in creation order: ListKeys pages by offset into it. Keys are never removed (deletion is only scheduled). */
  readonly keyOrder: KmsKey[] = [];
  /** Secrets by name. */
  readonly secrets = new Map<string, Secret>();
  readonly secretNames = new SortedNames();
  /** Secret events by name. */
  readonly events = new Map<string, SecretEvent>();
  readonly eventNames = new SortedNames();
  readonly servers = new Map<string, Server>();
  readonly checkpointItems = new Map<string, CheckpointItem>();
  /** Newest first, the order CSBS lists backups in by default. */
  readonly checkpointOrder: CheckpointItem[] = [];
  /** CBR vaults, in creation order. */
  readonly vaults = new Map<string, CbrVault>();
  readonly backups = new Map<string, CbrBackup>();
  /** Newest first (created_at, then id, both descending): ListBackups' default order. */
  readonly backupOrder: CbrBackup[] = [];
  /** Other orders ListBackups was asked for, by `sort` text; dropped when a backup is added. */
  readonly backupSorts = new Map<string, CbrBackup[]>();
  /** SMN topics by URN. */
  readonly topics = new Map<string, Topic>();
  /** FunctionGraph functions by unversioned URN, in creation order (ListFunctions pages by offset into it). */
  readonly functions = new Map<string, FgsFunction>();

  constructor(readonly projectId: string) {}

  addKey(key: KmsKey): void {
    this.keys.set(key.key_id, key);
    this.aliases.add(key.key_alias);
    this.keyOrder.push(key);
  }

  addSecret(secret: Secret): void {
    this.secrets.set(secret.name, secret);
    this.secretNames.add(secret.name);
  }

  addEvent(event: SecretEvent): void {
    this.events.set(event.name, event);
    this.eventNames.add(event.name);
  }

  deleteEvent(name: string): void {
    this.events.delete(name);
    this.eventNames.delete(name);
  }

  addCheckpointItem(item: CheckpointItem): void {
    this.checkpointItems.set(item.id, item);
    this.checkpointOrder.push(item);
    this.checkpointOrder.sort(newestFirst);
  }

  /** Adds backups, then sorts once (a fixture of 50,000 backups must not sort 50,000 times). */
  addBackups(backups: readonly CbrBackup[]): void {
    for (const backup of backups) {
      this.backups.set(backup.id, backup);
      this.backupOrder.push(backup);
    }
    this.backupOrder.sort(newestBackupFirst);
    this.backupSorts.clear();
  }
}

function newestBackupFirst(a: CbrBackup, b: CbrBackup): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

function newestFirst(a: CheckpointItem, b: CheckpointItem): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Kept per caller and sequence; the oldest are forgotten past this many. */
const SEQUENCE_LIMIT = 100_000;

export class CloudState {
  region = 'cn-north-4';
  /** The first user's project: where resources without a `project_id` live, and what the shortcuts below show. */
  defaultProjectId = '';
  readonly projects = new Map<string, ProjectState>();
  /** Most recent CTS traces, oldest first. */
  readonly traces: CtsTrace[] = [];
  /** Messages published to SMN topics, oldest first. */
  readonly messages: PublishedMessage[] = [];
  /** KMS responses by `<caller>|<sequence>`. */
  readonly sequences = new Map<string, StoredResponse>();
  /** Which way the cloud answers where the API documents leave it open; kept across `load`. */
  variants: ApiVariants = {};

  constructor(fixture?: Fixture) {
    if (fixture) this.load(fixture);
  }

  /** The project's state, created empty on first use. */
  project(projectId: string = this.defaultProjectId): ProjectState {
    let project = this.projects.get(projectId);
    if (!project) {
      project = new ProjectState(projectId);
      this.projects.set(projectId, project);
    }
    return project;
  }

  get keys(): Map<string, KmsKey> {
    return this.project().keys;
  }
  get secrets(): Map<string, Secret> {
    return this.project().secrets;
  }
  get events(): Map<string, SecretEvent> {
    return this.project().events;
  }
  get servers(): Map<string, Server> {
    return this.project().servers;
  }
  get checkpointItems(): Map<string, CheckpointItem> {
    return this.project().checkpointItems;
  }
  get topics(): Map<string, Topic> {
    return this.project().topics;
  }
  get functions(): Map<string, FgsFunction> {
    return this.project().functions;
  }
  get vaults(): Map<string, CbrVault> {
    return this.project().vaults;
  }
  get backups(): Map<string, CbrBackup> {
    return this.project().backups;
  }

  rememberResponse(key: string, response: StoredResponse): void {
    this.sequences.set(key, response);
    if (this.sequences.size > SEQUENCE_LIMIT) {
      const oldest = this.sequences.keys().next();
      if (!oldest.done) this.sequences.delete(oldest.value);
    }
  }

  /** Replaces everything with the fixture's resources (in place: references to this object stay valid). */
  load(fixture: Fixture): void {
    this.projects.clear();
    this.traces.length = 0;
    this.messages.length = 0;
    this.sequences.clear();
    this.region = fixture.region ?? 'cn-north-4';
    const firstUser = fixture.users[0];
    this.defaultProjectId = firstUser?.projectId ?? '';
    const domainOf = new Map<string, string>();
    for (const user of fixture.users) domainOf.set(user.projectId, user.domainId);
    for (const agency of fixture.agencies ?? []) if (!domainOf.has(agency.projectId)) domainOf.set(agency.projectId, agency.domainId);
    const projectOf = (id: string | undefined) => this.project(id ?? this.defaultProjectId);

    for (const key of fixture.keys ?? []) {
      const project = projectOf(key.project_id);
      project.addKey({
        key_id: key.key_id,
        project_id: project.projectId,
        domain_id: domainOf.get(project.projectId) ?? firstUser?.domainId ?? '',
        key_alias: key.key_alias,
        key_description: key.key_description ?? '',
        key_state: key.key_state ?? '2',
        default_key_flag: key.default_key_flag ?? (key.key_alias.endsWith('/default') ? '1' : '0'),
        creation_date: key.creation_date ?? '1704067200000',
        scheduled_deletion_date: key.scheduled_deletion_date ?? '',
        key_spec: key.key_spec ?? 'AES_256',
        key_usage: key.key_usage ?? 'ENCRYPT_DECRYPT',
        origin: key.origin ?? 'kms',
        tags: new Map(Object.entries(key.tags ?? {})),
      });
    }
    for (const event of fixture.events ?? []) {
      const project = projectOf(event.project_id);
      project.addEvent({
        event_id: event.event_id ?? randomUUID(),
        name: event.name,
        project_id: project.projectId,
        event_types: [...event.event_types],
        state: event.state ?? 'ENABLED',
        notification: { ...event.notification },
        create_time: event.create_time ?? 1704067200000,
        update_time: event.update_time ?? event.create_time ?? 1704067200000,
      });
    }
    for (const secret of fixture.secrets ?? []) {
      const project = projectOf(secret.project_id);
      project.addSecret({
        id: secret.id ?? randomUUID(),
        name: secret.name,
        project_id: project.projectId,
        kms_key_id: secret.kms_key_id ?? '',
        description: secret.description ?? '',
        event_subscriptions: [...(secret.event_subscriptions ?? [])],
        state: secret.state ?? 'ENABLED',
        secret_type: secret.secret_type ?? 'COMMON',
        auto_rotation: false,
        rotation_period: '',
        rotation_func_urn: '',
        create_time: secret.create_time ?? 1704067200000,
        update_time: secret.update_time ?? secret.create_time ?? 1704067200000,
        version_count: 1,
      });
    }
    for (const server of fixture.servers ?? []) {
      const project = projectOf(server.project_id);
      project.servers.set(server.id, {
        id: server.id,
        name: server.name,
        project_id: project.projectId,
        status: server.status ?? 'ACTIVE',
        volumes: server.volumes.map(toVolume),
        tags: new Map(Object.entries(server.tags ?? {})),
        created: server.created ?? '2024-01-15T08:00:00Z',
      });
    }
    for (const item of fixture.checkpointItems ?? []) {
      const project = projectOf(item.project_id);
      project.addCheckpointItem({
        id: item.id,
        checkpoint_id: item.checkpoint_id ?? item.id,
        name: item.name ?? `backup-${item.id.slice(0, 8)}`,
        project_id: project.projectId,
        status: item.status,
        created_at: item.created_at,
        updated_at: item.updated_at ?? item.created_at,
        resource_id: item.resource_id,
        resource_type: item.resource_type ?? 'OS::Nova::Server',
        resource_name: item.resource_name ?? project.servers.get(item.resource_id)?.name ?? '',
        volume_backups: item.volume_backups.map((backup) => ({
          id: backup.id,
          source_volume_id: backup.source_volume_id,
          name: backup.name ?? item.name ?? `backup-${item.id.slice(0, 8)}`,
          source_volume_name: backup.source_volume_name ?? '',
          source_volume_size: backup.source_volume_size ?? 0,
          size: backup.size ?? 0,
          bootable: backup.bootable ?? false,
          status: backup.status ?? 'available',
        })),
      });
    }
    for (const vault of fixture.vaults ?? []) {
      const project = projectOf(vault.project_id);
      project.vaults.set(vault.id, {
        id: vault.id,
        name: vault.name,
        project_id: project.projectId,
        object_type: vault.object_type ?? 'server',
        status: vault.status ?? 'available',
        created_at: vault.created_at ?? '2024-01-15T08:00:00.000000',
        resources: vault.resources.map((resource) => {
          const entry = typeof resource === 'string' ? { id: resource } : resource;
          return {
            id: entry.id,
            name: entry.name ?? project.servers.get(entry.id)?.name ?? '',
            type: entry.type ?? 'OS::Nova::Server',
            exclude_volumes: [...(entry.exclude_volumes ?? [])],
          };
        }),
      });
    }
    const backupsByProject = new Map<ProjectState, CbrBackup[]>();
    for (const backup of fixture.backups ?? []) {
      const project = projectOf(backup.project_id);
      const server = project.servers.get(backup.resource_id);
      const status = backup.status;
      const children =
        backup.children === null
          ? undefined
          : (backup.children ?? server?.volumes.map((volume): FixtureBackupChild => ({ id: `${backup.id}-${volume.id}`, resource_id: volume.id })) ?? []).map((child) => {
              const volume = server?.volumes.find((v) => v.id === child.resource_id);
              return {
                id: child.id,
                resource_id: child.resource_id,
                resource_name: child.resource_name ?? volume?.name ?? '',
                resource_size: child.resource_size ?? volume?.size ?? 0,
                bootable: child.bootable ?? volume?.bootable ?? false,
                status: child.status ?? status,
              };
            });
      let list = backupsByProject.get(project);
      if (!list) backupsByProject.set(project, (list = []));
      list.push({
        id: backup.id,
        project_id: project.projectId,
        vault_id: backup.vault_id,
        checkpoint_id: backup.checkpoint_id ?? backup.id,
        name: backup.name ?? `autobk_${backup.id.slice(0, 4)}`,
        resource_id: backup.resource_id,
        resource_name: backup.resource_name ?? server?.name ?? '',
        resource_type: backup.resource_type ?? 'OS::Nova::Server',
        resource_size: (children ?? []).reduce((sum, child) => sum + child.resource_size, 0),
        image_type: backup.image_type ?? 'backup',
        status,
        created_at: backup.created_at,
        updated_at: backup.updated_at ?? backup.created_at,
        expired_at: backup.expired_at ?? null,
        supported_restore_mode: backup.supported_restore_mode === undefined ? (status === 'available' ? 'backup' : 'na') : backup.supported_restore_mode,
        children,
      });
    }
    for (const [project, list] of backupsByProject) project.addBackups(list);
    for (const topic of fixture.topics ?? []) {
      const project = projectOf(topic.project_id);
      const urn = topic.topic_urn ?? `urn:smn:${this.region}:${project.projectId}:${topic.name}`;
      project.topics.set(urn, { topic_urn: urn, name: topic.name, project_id: project.projectId });
    }
    for (const fn of fixture.functions ?? []) {
      const project = projectOf(fn.project_id);
      const loaded = fixtureFunction(fn, this.region, project.projectId, domainOf.get(project.projectId) ?? firstUser?.domainId ?? '');
      project.functions.set(loaded.func_urn, loaded);
    }
    if (firstUser) {
      const traces = [...(fixture.traces ?? [])].sort((a, b) => a.time - b.time);
      for (const trace of traces) this.traces.push(traceOfFixture(trace, firstUser, trace.project_id ?? this.defaultProjectId));
    }
  }

  /**
   * The resources in fixture form, e.g. to save and load again (identities are not part of this state).
   * Entities are shown whole: fields a fixture does not know (such as `domain_id`) are ignored when loading.
   */
  resources(): FixtureResources {
    const all = [...this.projects.values()];
    const each = <T>(pick: (project: ProjectState) => Iterable<T>) => all.flatMap((project) => [...pick(project)]);
    return {
      region: this.region,
      keys: each((p) => p.keyOrder).map((key) => ({ ...key, tags: Object.fromEntries(key.tags) })),
      secrets: each((p) => p.secrets.values()).map((secret) => structuredClone(secret)),
      events: each((p) => p.events.values()).map((event) => structuredClone(event)),
      servers: each((p) => p.servers.values()).map((server) => ({ ...structuredClone(server), tags: Object.fromEntries(server.tags) })),
      checkpointItems: each((p) => p.checkpointItems.values()).map((item) => structuredClone(item)),
      vaults: each((p) => p.vaults.values()).map((vault) => structuredClone(vault)),
      backups: each((p) => p.backupOrder).map((backup) => ({ ...structuredClone(backup), children: backup.children === undefined ? null : structuredClone(backup.children) })),
      topics: each((p) => p.topics.values()).map((topic) => ({ ...topic })),
      functions: each((p) => p.functions.values()).map(functionToFixture),
    };
  }
}

const FIXTURE_TIME = Date.parse('2024-01-01T00:00:00Z');

function fixtureFunction(fn: FixtureFunction, region: string, projectId: string, domainId: string): FgsFunction {
  const pkg = fn.package ?? 'default';
  const codeType = fn.code_type ?? 'zip';
  const lastModified = fn.last_modified === undefined ? FIXTURE_TIME : Date.parse(fn.last_modified);
  return {
    func_id: fn.func_id ?? randomUUID(),
    func_name: fn.func_name,
    package: pkg,
    project_id: projectId,
    domain_id: domainId,
    func_urn: functionUrn(region, projectId, pkg, fn.func_name),
    runtime: fn.runtime ?? 'Node.js20.15',
    type: fn.type ?? 'v2',
    handler: fn.handler ?? 'index.handler',
    memory_size: fn.memory_size ?? 256,
    timeout: fn.timeout ?? 30,
    description: fn.description ?? '',
    user_data: fn.user_data ?? '',
    encrypted_user_data: fn.encrypted_user_data ?? '',
    xrole: fn.xrole ?? '',
    app_xrole: fn.app_xrole ?? '',
    initializer_handler: undefined,
    initializer_timeout: undefined,
    pre_stop_handler: undefined,
    pre_stop_timeout: undefined,
    enterprise_project_id: '0',
    strategy_config: { concurrency: 400, concurrent_num: 1 },
    settings: {},
    code: codePackage(codeType, fn.code_filename ?? (codeType === 'inline' ? '' : 'index.zip'), fn.code === undefined ? EMPTY_ZIP : Buffer.from(fn.code, 'base64')),
    last_modified: lastModified,
    image_name: `latest-${lastModified}`,
    triggers: new Map(
      (fn.triggers ?? []).map((trigger) => {
        const id = trigger.trigger_id ?? randomUUID();
        const entry: FunctionTrigger = {
          trigger_id: id,
          trigger_type_code: trigger.trigger_type_code,
          trigger_status: trigger.trigger_status ?? 'ACTIVE',
          event_data: structuredClone(trigger.event_data),
          event_type_code: undefined,
          created_time: lastModified,
          last_updated_time: lastModified,
        };
        return [id, entry];
      }),
    ),
  };
}

/** A function in fixture form; `encrypted_user_data` is left out (the admin state shows no secrets). */
function functionToFixture(fn: FgsFunction): FixtureFunction {
  return {
    func_name: fn.func_name,
    package: fn.package,
    project_id: fn.project_id,
    func_id: fn.func_id,
    runtime: fn.runtime,
    type: fn.type,
    handler: fn.handler,
    memory_size: fn.memory_size,
    timeout: fn.timeout,
    description: fn.description,
    user_data: fn.user_data,
    xrole: fn.xrole,
    app_xrole: fn.app_xrole,
    code_type: fn.code.code_type,
    code_filename: fn.code.code_filename,
    code: fn.code.file.toString('base64'),
    last_modified: new Date(fn.last_modified).toISOString(),
    triggers: [...fn.triggers.values()].map((trigger) => ({
      trigger_id: trigger.trigger_id,
      trigger_type_code: trigger.trigger_type_code,
      trigger_status: trigger.trigger_status,
      event_data: structuredClone(trigger.event_data) as Record<string, unknown>,
    })),
  };
}

function toVolume(volume: string | FixtureVolume): Volume {
  if (typeof volume === 'string') return { id: volume, name: '', size: 0, bootable: false };
  return { id: volume.id, name: volume.name ?? '', size: volume.size ?? 0, bootable: volume.bootable ?? false };
}
