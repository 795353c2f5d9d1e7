import { BACKUP_STATUSES, CbrApi, RESTORE_MODES } from '../../shared/hwc/cbr.ts';
import type { Backup, BackupChild, Vault } from '../../shared/hwc/cbr.ts';
import { EcsApi } from '../../shared/hwc/ecs.ts';
import type { HuaweiCloud } from '../../shared/hwc/index.ts';
import type { Policy } from '../../shared/policy.ts';
import { mapLimit } from '../../shared/runtime/concurrency.ts';
import type { GuardrailRun } from '../../shared/runtime/guardrail.ts';
import type { ReportAction } from '../../shared/runtime/report.ts';
import { tryCtsTimeToDate } from '../../shared/triggers/time.ts';
import { failureReason } from './failure.ts';
import { exemption, existenceProblem, listServers } from './servers.ts';
import type { Inventory } from './servers.ts';

/**
 * check-restorable on CBR, which has no restorability check of its own: the verdict is reasoned from what CBR
 * and ECS say. A server's newest backup is restorable when its status is `available`; its
 * `extend_info.supported_restore_mode` allows a restore (`backup` or `snapshot`, not `na`); it is younger
 * than `backupMaxAgeHours`; it has not expired; its disk backups (`children`) cover every disk attached to
 * the server now (a disk added after the backup cannot be restored from it); and the server still exists.
 * Every failed condition is named. A server no backup covers fails "no backup"; an exempt server is skipped.
 *
 * Calls (BENCHMARKS.md): ListVault (server vaults, read by backup-service.ts), ListServersDetails (every
 * server with its disks) and ListBackups (every server backup, 1,000 a page, pages in parallel) read side by
 * side. Only answers that leave something out cost a call per server: a server listed without its disks
 * (ListServerBlockDevices), a backup listed with `children: []` while the server has disks (ShowBackup: the
 * ListBackups document's own example shows `[]` for a server backup whose ShowBackup lists them).
 */

const HOUR_MS = 3_600_000;
const BACKUP_STATUS = new Set<string>(BACKUP_STATUSES);
const RESTORE_MODE = new Set<string>(RESTORE_MODES);

export const KIND = 'check-restorable';

// ---- observe ----------------------------------------------------------------------------------

/** What the check keeps of a backup: the newest of each server only, so memory follows servers, not backups. */
export interface KeptBackup {
  readonly id: string;
  readonly status: string;
  /** Epoch milliseconds of `created_at`. */
  readonly createdAt: number;
  /** As written; undefined: kept until deleted (null in the answer). */
  readonly expiredAt: string | undefined;
  readonly mode: string | undefined;
  /** Undefined: the answer carried no `children`. */
  readonly children: readonly BackupChild[] | undefined;
  readonly vaultId: string | undefined;
  readonly serverName: string;
}

export interface CbrObservation {
  readonly inventory: Inventory;
  /** Per server with backups: its newest backup. */
  readonly newest: ReadonlyMap<string, KeptBackup>;
  /** Per server: backups whose `created_at` cannot be read (one of them may be the newest). */
  readonly unreadable: ReadonlyMap<string, readonly string[]>;
  readonly backupsRead: number;
}

/**
 * Every server (ECS) and every server backup (CBR) made up to `now`, read side by side. `end_time` keeps the
 * backups made while the pages are read out of the listing, so their offsets stay put. A backup listing that
 * fails or cannot prove it is complete fails the run (thrown); a server listing that does is reported per server.
 */
export async function observeCbr(cloud: HuaweiCloud, policy: Pick<Policy, 'concurrency'>, now: Date): Promise<CbrObservation> {
  // Every call the policy allows in flight: pages are read backup by backup as they arrive and only a
  // server's newest is kept (pickBackup), so a page in flight holds little and more of them cost no memory
  // (BENCHMARKS.md, bench 6). The server listing is 5 pages beside 50: one at a time keeps pace.
  const serverPages = 1;
  const backupPages = Math.max(1, policy.concurrency - serverPages);
  const stop = new AbortController();
  const inventory = listServers(cloud, serverPages, stop.signal);
  const newest = new Map<string, KeptBackup>();
  const unreadable = new Map<string, string[]>();
  let backupsRead = 0;
  try {
    const listing = cloud.use(CbrApi).listBackups(
      { resource_type: 'OS::Nova::Server', image_type: 'backup', end_time: `${now.toISOString().slice(0, 19)}Z`, sort: 'created_at:desc,id:desc', limit: 1000 },
      { pagesInFlight: backupPages, pick: (backup) => pickBackup(backup, newest) },
    );
    for await (const read of listing) {
      backupsRead++;
      keepNewest(read, newest, unreadable);
    }
  } catch (error) {
    stop.abort();
    await inventory;
    throw error;
  }
  return { inventory: await inventory, newest, unreadable, backupsRead };
}

/**
 * What is kept of a backup the moment the listing reads it: the backup (its created_at read, or `kept` undefined
 * when that cannot be done), or only its id when a newer backup of its server is kept already, which it can then
 * never displace. Most backups are passed over so (a server has one newest among its dozens), so a page in flight
 * holds little, and what it held is young garbage (BENCHMARKS.md, bench 6).
 */
type ReadBackup = { readonly id: string; readonly serverId: string; readonly kept: KeptBackup | undefined } | { readonly id: string; readonly serverId?: undefined };

function pickBackup(backup: Backup, newest: ReadonlyMap<string, KeptBackup>): ReadBackup {
  const createdAt = tryCtsTimeToDate(backup.created_at)?.getTime();
  if (createdAt === undefined) return { id: backup.id, serverId: backup.resource_id, kept: undefined };
  const kept = newest.get(backup.resource_id);
  if (kept !== undefined && isNewer(kept, createdAt, backup.id)) return { id: backup.id };
  return {
    id: backup.id,
    serverId: backup.resource_id,
    kept: {
      id: backup.id,
      status: backup.status,
      createdAt,
      expiredAt: backup.expired_at,
      mode: backup.extend_info?.supported_restore_mode,
      children: backup.children,
      vaultId: backup.vault_id,
      serverName: backup.resource_name ?? '',
    },
  };
}

/** Whether `kept` is newer than a backup made at `createdAt` with id `id` (the same time: the larger id wins). */
function isNewer(kept: KeptBackup, createdAt: number, id: string): boolean {
  return kept.createdAt > createdAt || (kept.createdAt === createdAt && kept.id > id);
}

function keepNewest(read: ReadBackup, newest: Map<string, KeptBackup>, unreadable: Map<string, string[]>): void {
  if (read.serverId === undefined) return;
  if (read.kept === undefined) {
    const ids = unreadable.get(read.serverId);
    if (ids) ids.push(read.id);
    else unreadable.set(read.serverId, [read.id]);
    return;
  }
  const kept = newest.get(read.serverId);
  if (kept === undefined || !isNewer(kept, read.kept.createdAt, read.kept.id)) newest.set(read.serverId, read.kept);
}

// ---- plan -------------------------------------------------------------------------------------

/** What a vault says about one server it protects. */
interface Protection {
  readonly vault: string;
  readonly excluded: ReadonlySet<string>;
}

export type CbrPlanEntry =
  | { readonly serverId: string; readonly kind: 'exempt' | 'no-backup' | 'unreadable'; readonly reason: string }
  | {
      readonly serverId: string;
      readonly kind: 'check';
      readonly backup: KeptBackup;
      /** Why the server cannot count as existing; undefined when it does. */
      readonly existence: string | undefined;
      /** The disks attached now; undefined: to be read (ListServerBlockDevices). */
      readonly disks: readonly string[] | undefined;
      readonly excluded: ReadonlySet<string>;
    };

/** Pure: one entry per server ECS lists and per server any backup names, sorted by server id. */
export function planCbr(observed: CbrObservation, vaults: readonly Vault[], policy: Pick<Policy, 'backupExempt'>): CbrPlanEntry[] {
  const protection = protectionOf(vaults);
  const { inventory } = observed;
  const ids = new Set<string>([...observed.newest.keys(), ...observed.unreadable.keys()]);
  if (inventory.ok) for (const id of inventory.servers.keys()) ids.add(id);
  return [...ids].sort().map((serverId): CbrPlanEntry => {
    const server = inventory.ok ? inventory.servers.get(serverId) : undefined;
    const backup = observed.newest.get(serverId);
    const exempt = exemption({ name: server?.name ?? backup?.serverName ?? '', tags: server?.tags }, policy);
    if (exempt !== undefined) return { serverId, kind: 'exempt', reason: exempt };
    const unreadable = observed.unreadable.get(serverId) ?? [];
    if (unreadable.length > 0) {
      const which = unreadable.length === 1 ? `backup ${unreadable[0]} has` : `backups ${unreadable.join(', ')} have`;
      return { serverId, kind: 'unreadable', reason: `not restorable: ${which} an unreadable created_at, so which backup is the newest cannot be told (CBR)` };
    }
    const protectedBy = protection.get(serverId);
    if (backup === undefined) {
      const why = protectedBy ? `CBR vault ${protectedBy.vault} protects this server but holds no backup of it` : 'no CBR vault protects this server';
      return { serverId, kind: 'no-backup', reason: `no backup: ${why}` };
    }
    const existence = existenceProblem(inventory, serverId);
    return { serverId, kind: 'check', backup, existence, disks: server?.disks, excluded: protectedBy?.excluded ?? new Set() };
  });
}

function protectionOf(vaults: readonly Vault[]): Map<string, Protection> {
  const protection = new Map<string, Protection>();
  for (const vault of vaults) {
    for (const resource of vault.resources) {
      if (resource.type !== undefined && resource.type !== 'OS::Nova::Server') continue;
      if (!protection.has(resource.id)) {
        protection.set(resource.id, { vault: vault.name ? JSON.stringify(vault.name) : vault.id, excluded: new Set(resource.extra_info?.exclude_volumes ?? []) });
      }
    }
  }
  return protection;
}

/** Pure: every condition the newest backup fails; none means restorable. */
export function judge(
  entry: { readonly backup: KeptBackup; readonly existence: string | undefined; readonly disks: readonly string[] | undefined; readonly excluded: ReadonlySet<string> },
  children: readonly BackupChild[] | undefined,
  policy: Pick<Policy, 'backupMaxAgeHours'>,
  now: Date,
): string[] {
  const { backup } = entry;
  const failures: string[] = [];
  if (entry.existence !== undefined) failures.push(entry.existence);
  if (backup.status !== 'available') {
    failures.push(BACKUP_STATUS.has(backup.status) ? `its status is ${backup.status}, not available` : `its status ${JSON.stringify(backup.status)} is not one CBR documents`);
  }
  if (backup.mode === undefined) failures.push('it does not say how it can be restored (extend_info.supported_restore_mode missing)');
  else if (backup.mode === 'na') failures.push('its restore mode is na: CBR cannot restore it');
  else if (!RESTORE_MODE.has(backup.mode)) failures.push(`its restore mode ${JSON.stringify(backup.mode)} is not one CBR documents`);
  const ageMs = now.getTime() - backup.createdAt;
  if (ageMs > policy.backupMaxAgeHours * HOUR_MS) failures.push(`stale: ${Math.floor(ageMs / HOUR_MS)} h old, older than ${policy.backupMaxAgeHours} h`);
  if (backup.expiredAt !== undefined) {
    const expires = tryCtsTimeToDate(backup.expiredAt);
    if (expires === undefined) failures.push(`its expired_at ${JSON.stringify(backup.expiredAt)} cannot be read`);
    else if (expires.getTime() <= now.getTime()) failures.push(`it expired at ${expires.toISOString()}`);
  }
  failures.push(...coverage(children, entry.disks, entry.excluded));
  return failures;
}

/** The disks attached now that the backup's disk backups leave uncovered, and disk backups that cannot count. */
function coverage(children: readonly BackupChild[] | undefined, disks: readonly string[] | undefined, excluded: ReadonlySet<string>): string[] {
  if (children === undefined) return ['it does not list its disk backups (children missing)'];
  const failures: string[] = [];
  const covered = new Set<string>();
  for (const child of children) {
    if (child.resource_id === undefined || child.resource_id === '') {
      failures.push(`disk backup ${child.id} names no disk`);
      continue;
    }
    if (child.status === 'available') covered.add(child.resource_id);
    else if (child.status === undefined) failures.push(`the backup of disk ${child.resource_id} gives no status`);
    else if (BACKUP_STATUS.has(child.status)) failures.push(`the backup of disk ${child.resource_id} is ${child.status}`);
    else failures.push(`the backup of disk ${child.resource_id} has a status ${JSON.stringify(child.status)} CBR does not document`);
  }
  if (disks === undefined) return failures;
  const missing = disks.filter((disk) => !covered.has(disk) && children.every((child) => child.resource_id !== disk));
  for (const disk of missing) {
    failures.push(disk === '' ? 'a disk attached now has no id' : `disk ${disk} attached now has no backup in it${excluded.has(disk) ? ' (the vault excludes it from backups)' : ''}`);
  }
  return failures;
}

// ---- apply + report ---------------------------------------------------------------------------

export type CbrRun = Pick<GuardrailRun, 'cloud' | 'report' | 'outOfTime' | 'now'> & { readonly policy: Pick<Policy, 'concurrency' | 'backupMaxAgeHours'> };

type Checked = Extract<CbrPlanEntry, { kind: 'check' }>;

/** Reads what the listings left out (disks, disk backups), `concurrency` at a time, then reports every server. */
export async function applyCbr(plan: readonly CbrPlanEntry[], r: CbrRun): Promise<void> {
  const outcomes = new Map<string, ReportAction>();
  const checks = plan.filter((entry): entry is Checked => entry.kind === 'check');
  await mapLimit(checks, r.policy.concurrency, async (entry) => {
    outcomes.set(entry.serverId, await check(entry, r));
  });
  for (const entry of plan) {
    if (entry.kind === 'check') r.report.add(outcomes.get(entry.serverId) ?? action(entry.serverId, 'failed', 'not checked'));
    else r.report.add(action(entry.serverId, entry.kind === 'exempt' ? 'skipped' : 'failed', entry.reason));
  }
}

async function check(entry: Checked, r: CbrRun): Promise<ReportAction> {
  const { backup } = entry;
  const named = `CBR backup ${backup.id} of ${new Date(backup.createdAt).toISOString()}`;
  let disks = entry.disks;
  let children = backup.children;
  const unread: string[] = [];
  const needsDisks = entry.existence === undefined && disks === undefined;
  if ((needsDisks || listedWithout(entry, children, disks)) && r.outOfTime()) return action(entry.serverId, 'deferred', 'out of time: left for the next run');
  if (needsDisks) {
    try {
      const answer = await r.cloud.use(EcsApi).listServerBlockDevices({ server_id: entry.serverId });
      disks = answer.volumeAttachments.map((device) => device.volumeId ?? device.id ?? '');
    } catch (error) {
      unread.push(`its disks could not be read: ${failureReason(error)}`);
    }
  }
  if (listedWithout(entry, children, disks)) {
    try {
      children = (await r.cloud.use(CbrApi).showBackup({ backup_id: backup.id })).backup.children;
    } catch (error) {
      unread.push(`its disk backups could not be read: ${failureReason(error)}`);
    }
  }
  const failures = [...unread, ...judge({ ...entry, disks }, children, r.policy, r.now)];
  return failures.length === 0
    ? action(entry.serverId, 'applied', `restorable: ${named}`)
    : action(entry.serverId, 'failed', `not restorable: ${failures.join('; ')} (${named})`);
}

/** A listing that shows no disk backups for an existing server with disks: ShowBackup says whether that is so. */
function listedWithout(entry: Checked, children: readonly BackupChild[] | undefined, disks: readonly string[] | undefined): boolean {
  return entry.existence === undefined && children !== undefined && children.length === 0 && (disks === undefined || disks.length > 0);
}

function action(target: string, status: ReportAction['status'], reason: string): ReportAction {
  return { kind: KIND, target, status, reason };
}
