import { createHash } from 'node:crypto';
import { defaultFixture } from '../cloud/index.ts';
import type { Fixture, FixtureBackup, FixtureCheckpointItem, FixtureEvent, FixtureKey, FixtureSecret, FixtureServer, FixtureVault } from '../cloud/index.ts';

/**
 * What `warden start` seeds the local cloud with, so that every guardrail has something to do on its first
 * run (with serverless.yml's policy: tags `owner-team=platform`, protects `deletion-protection=true`, `prod-*`,
 * `*-master` and keys in use by a secret, keeps orphaned events 7 days, wants backups younger than 26 h):
 *
 * - 30 keys: two default keys; enabled keys with and without the policy tag (one already at 10 tags);
 *   disabled, pending-import and pending-deletion keys. Pending deletion: one used by a secret, one protected
 *   by tag, one by alias glob (all three get cancelled) and one unprotected (left alone).
 * - 6 secrets; 9 events: referenced ones, four orphaned and old (pruned), one orphaned but young (kept).
 * - 8 servers, backed up in CBR (a server vault; what check-restorable reads by default) and in CSBS (the same
 *   backups, for `WARDEN_BACKUP_SERVICE=csbs`): one restorable, one stale, one with a disk added after its
 *   backup, one with only a failed backup, one whose backup CBR cannot restore (restore mode na), one whose
 *   backup expired, one never backed up, one exempt (tagged backup-exempt=true, never backed up).
 *
 * Times are relative to `now`, so the demo looks the same whenever it is started. The identities are those of
 * `defaultFixture()` (the credentials `warden cloud` prints).
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TOPIC = 'warden-alerts';

/** A stable, valid-looking KMS key id for an alias. */
export function demoKeyId(alias: string): string {
  const hex = createHash('sha256').update(`warden-demo:${alias}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function uuid(seed: string): string {
  return demoKeyId(seed);
}

interface KeySeed {
  alias: string;
  state?: FixtureKey['key_state'];
  tags?: Record<string, string>;
  description?: string;
  ageDays: number;
  /** Days until deletion, for pending-deletion keys. */
  deletesInDays?: number;
  spec?: string;
  origin?: 'kms' | 'external';
}

const PLATFORM = { 'owner-team': 'platform' };

const KEY_SEEDS: KeySeed[] = [
  { alias: 'kms/default', description: 'Default key for kms', ageDays: 400 },
  { alias: 'obs/default', description: 'Default key for obs', ageDays: 380 },
  { alias: 'app/payments-db', state: '4', deletesInDays: 6, description: 'payments database credentials', tags: { ...PLATFORM, env: 'prod' }, ageDays: 210 },
  { alias: 'billing/archive', state: '4', deletesInDays: 12, description: 'billing archive', tags: { 'deletion-protection': 'true', owner: 'finance' }, ageDays: 300 },
  { alias: 'prod-orders', state: '4', deletesInDays: 9, description: 'orders service', tags: { env: 'prod' }, ageDays: 150 },
  { alias: 'tmp/load-test-2023', state: '4', deletesInDays: 3, description: 'load test, no longer needed', ageDays: 260 },
  { alias: 'app/orders', description: 'orders api token encryption', tags: { ...PLATFORM, env: 'prod' }, ageDays: 140 },
  { alias: 'app/inventory', tags: { env: 'prod', owner: 'bob' }, ageDays: 120 },
  { alias: 'app/search', description: 'search index encryption', ageDays: 95 },
  { alias: 'app/notifications', tags: { ...PLATFORM }, ageDays: 90 },
  { alias: 'security/tls', description: 'TLS private keys', tags: { ...PLATFORM, 'deletion-protection': 'true' }, ageDays: 365 },
  { alias: 'ci/signing-master', spec: 'RSA_2048', description: 'release signing', tags: { team: 'ci' }, ageDays: 330 },
  { alias: 'data/warehouse', tags: { env: 'prod', 'cost-center': 'cc-42' }, ageDays: 60 },
  { alias: 'data/lake-raw', ageDays: 58 },
  { alias: 'data/lake-curated', tags: { ...PLATFORM, env: 'prod' }, ageDays: 57 },
  {
    alias: 'data/ten-tags',
    description: 'already carries the maximum of 10 tags',
    tags: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`label-${i + 1}`, `v${i + 1}`])),
    ageDays: 45,
  },
  { alias: 'staging/orders', tags: { env: 'staging' }, ageDays: 40 },
  { alias: 'staging/payments', tags: { env: 'staging', owner: 'carol' }, ageDays: 39 },
  { alias: 'staging/search', ageDays: 30 },
  { alias: 'dev/sandbox-alice', tags: { owner: 'alice' }, ageDays: 20 },
  { alias: 'dev/sandbox-bob', tags: { owner: 'bob' }, ageDays: 18 },
  { alias: 'legacy/crm', state: '3', description: 'disabled after the CRM migration', ageDays: 700 },
  { alias: 'legacy/reports', state: '3', tags: { ...PLATFORM }, ageDays: 650 },
  { alias: 'legacy/mail', state: '3', ageDays: 600 },
  { alias: 'byok/hsm-import', state: '5', origin: 'external', description: 'waiting for key material', ageDays: 2 },
  { alias: 'ml/feature-store', spec: 'SM4', tags: { env: 'prod' }, ageDays: 14 },
  { alias: 'ml/model-registry', ageDays: 10 },
  { alias: 'mobile/push-signing', spec: 'EC_P256', description: 'push notification signing', ageDays: 7 },
  { alias: 'partner/exchange', tags: { partner: 'acme', ...PLATFORM }, ageDays: 5 },
  { alias: 'ops/backup-master', tags: { owner: 'ops' }, ageDays: 3 },
];

function key(seed: KeySeed, now: number): FixtureKey {
  const created = now - seed.ageDays * DAY;
  return {
    key_id: demoKeyId(seed.alias),
    key_alias: seed.alias,
    ...(seed.description !== undefined ? { key_description: seed.description } : {}),
    ...(seed.state ? { key_state: seed.state } : {}),
    ...(seed.tags ? { tags: seed.tags } : {}),
    creation_date: String(created),
    ...(seed.deletesInDays !== undefined ? { scheduled_deletion_date: String(now + seed.deletesInDays * DAY) } : {}),
    ...(seed.spec ? { key_spec: seed.spec, key_usage: seed.spec.startsWith('AES') || seed.spec === 'SM4' ? 'ENCRYPT_DECRYPT' : 'SIGN_VERIFY' } : {}),
    ...(seed.origin ? { origin: seed.origin } : {}),
  };
}

function event(name: string, ageDays: number, types: string[], topicUrn: string, now: number): FixtureEvent {
  const created = now - ageDays * DAY;
  return {
    name,
    event_id: uuid(`event:${name}`),
    event_types: types,
    notification: { target_type: 'SMN', target_id: topicUrn, target_name: TOPIC },
    create_time: created,
    update_time: created,
  };
}

function secret(name: string, keyAlias: string, events: string[], description: string, ageDays: number, now: number): FixtureSecret {
  const created = now - ageDays * DAY;
  return {
    name,
    id: uuid(`secret:${name}`),
    kms_key_id: demoKeyId(keyAlias),
    description,
    event_subscriptions: events,
    create_time: created,
    update_time: created,
  };
}

/** `2024-05-01T02:00:00.000000`: how CSBS and CBR write times (UTC). */
function csbsTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}.000000`;
}

interface ServerSeed {
  name: string;
  disks: string[];
  /** Backups: age in hours, status, and disks backed up (default: the server's); CBR's restore mode and expiry. */
  backups: Array<{ ageHours: number; status: string; disks?: string[]; restoreMode?: string; expiredHoursAgo?: number }>;
  /** Left out of the CBR vault. */
  unprotected?: boolean;
  tags?: Record<string, string>;
}

const SERVER_SEEDS: ServerSeed[] = [
  { name: 'web-01', disks: ['system', 'data'], backups: [{ ageHours: 3, status: 'available' }, { ageHours: 27, status: 'available' }] },
  { name: 'db-01', disks: ['system', 'data', 'wal'], backups: [{ ageHours: 4 * 24 + 2, status: 'available' }] },
  // The data disk was replaced after the backup: the backup names a volume the server no longer has.
  { name: 'batch-01', disks: ['system', 'data-v2'], backups: [{ ageHours: 5, status: 'available', disks: ['system', 'data'] }] },
  { name: 'cache-01', disks: ['system'], backups: [{ ageHours: 6, status: 'error' }] },
  { name: 'bastion-01', disks: ['system'], backups: [], unprotected: true },
  { name: 'report-01', disks: ['system', 'data'], backups: [{ ageHours: 2, status: 'available', restoreMode: 'na' }] },
  { name: 'archive-01', disks: ['system'], backups: [{ ageHours: 8, status: 'available', expiredHoursAgo: 1 }] },
  { name: 'scratch-01', disks: ['system'], backups: [], unprotected: true, tags: { 'backup-exempt': 'true', owner: 'ci' } },
];

const VAULT = { id: uuid('vault:servers-daily'), name: 'servers-daily' };

function servers(now: number): { servers: FixtureServer[]; checkpointItems: FixtureCheckpointItem[]; vaults: FixtureVault[]; backups: FixtureBackup[] } {
  const list: FixtureServer[] = [];
  const items: FixtureCheckpointItem[] = [];
  const backups: FixtureBackup[] = [];
  for (const seed of SERVER_SEEDS) {
    const id = uuid(`server:${seed.name}`);
    const volume = (disk: string) => uuid(`volume:${seed.name}:${disk}`);
    const size = (disk: string) => (disk === 'system' ? 40 : 100);
    list.push({
      id,
      name: seed.name,
      volumes: seed.disks.map((disk) => ({ id: volume(disk), name: `${seed.name}-${disk}`, size: size(disk), bootable: disk === 'system' })),
      ...(seed.tags ? { tags: seed.tags } : {}),
    });
    seed.backups.forEach((backup, i) => {
      const created = now - backup.ageHours * HOUR;
      backups.push({
        id: uuid(`cbr-backup:${seed.name}:${i}`),
        vault_id: VAULT.id,
        resource_id: id,
        resource_name: seed.name,
        checkpoint_id: uuid(`cbr-checkpoint:${seed.name}:${i}`),
        name: `autobk_${seed.name}_${new Date(created).toISOString().slice(0, 10)}`,
        status: backup.status,
        created_at: csbsTime(created),
        updated_at: csbsTime(created + 10 * 60_000),
        expired_at: backup.expiredHoursAgo === undefined ? csbsTime(created + 30 * DAY) : csbsTime(now - backup.expiredHoursAgo * HOUR),
        ...(backup.restoreMode ? { supported_restore_mode: backup.restoreMode } : {}),
        children: (backup.disks ?? seed.disks).map((disk) => ({ id: uuid(`cbr-disk-backup:${seed.name}:${i}:${disk}`), resource_id: volume(disk), resource_name: `${seed.name}-${disk}`, resource_size: size(disk), bootable: disk === 'system' })),
      });
      const itemId = uuid(`backup:${seed.name}:${i}`);
      items.push({
        id: itemId,
        checkpoint_id: uuid(`checkpoint:${seed.name}:${i}`),
        name: `autobackup-${seed.name}-${new Date(created).toISOString().slice(0, 10)}`,
        status: backup.status,
        created_at: csbsTime(created),
        updated_at: csbsTime(created + 10 * 60_000),
        resource_id: id,
        resource_name: seed.name,
        volume_backups: (backup.disks ?? seed.disks).map((disk) => ({
          id: uuid(`volume-backup:${seed.name}:${i}:${disk}`),
          source_volume_id: volume(disk),
          source_volume_name: `${seed.name}-${disk}`,
          source_volume_size: size(disk),
          size: Math.round(size(disk) / 3),
          bootable: disk === 'system',
          status: backup.status,
        })),
      });
    });
  }
  const vaults: FixtureVault[] = [{ ...VAULT, resources: SERVER_SEEDS.filter((seed) => !seed.unprotected).map((seed) => uuid(`server:${seed.name}`)) }];
  return { servers: list, checkpointItems: items, vaults, backups };
}

export function demoFixture(now: Date = new Date()): Fixture {
  const base = defaultFixture();
  const t = now.getTime();
  const region = base.region ?? 'cn-north-4';
  const projectId = base.users[0]?.projectId ?? '';
  const topicUrn = `urn:smn:${region}:${projectId}:${TOPIC}`;
  const rotation = ['SECRET_VERSION_CREATED', 'SECRET_ROTATED'];
  return {
    region,
    users: base.users,
    ...(base.agencies ? { agencies: base.agencies } : {}),
    keys: KEY_SEEDS.map((seed) => key(seed, t)),
    secrets: [
      secret('payments-db-password', 'app/payments-db', ['db-rotation-alerts'], 'payments database password', 200, t),
      secret('orders-api-token', 'app/orders', ['api-key-expiry'], 'orders API token', 130, t),
      secret('tls-private-key', 'security/tls', ['cert-version-created'], 'wildcard certificate key', 300, t),
      secret('warehouse-reader', 'data/warehouse', ['db-rotation-alerts'], 'read-only warehouse user', 50, t),
      secret('partner-api-key', 'partner/exchange', [], 'ACME exchange API key', 4, t),
      secret('ci-deploy-token', 'ci/signing-master', [], 'deploy token for CI', 100, t),
    ],
    events: [
      event('db-rotation-alerts', 220, rotation, topicUrn, t),
      event('api-key-expiry', 140, ['SECRET_VERSION_EXPIRED'], topicUrn, t),
      event('cert-version-created', 310, ['SECRET_VERSION_CREATED'], topicUrn, t),
      event('legacy-rotation-hook', 400, rotation, topicUrn, t),
      event('migration-2023', 200, ['SECRET_VERSION_CREATED'], topicUrn, t),
      event('qa-secret-events', 90, ['SECRET_DELETED'], topicUrn, t),
      event('old-pager-notify', 45, ['SECRET_ROTATED_FAILED'], topicUrn, t),
      event('new-team-alerts', 2, rotation, topicUrn, t),
      event('staging-rotation', 30, rotation, topicUrn, t),
    ],
    ...servers(t),
    topics: [{ name: TOPIC, topic_urn: topicUrn }],
  };
}
