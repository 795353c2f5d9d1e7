import { CHECKPOINT_ITEM_STATUSES } from '../shared/hwc/csbs.ts';
import type { Vault } from '../shared/hwc/cbr.ts';
import type { CheckpointItem, CheckRestorableRequest, RestorableResult } from '../shared/hwc/csbs.ts';
import { isDeadlineError } from '../shared/hwc/errors.ts';
import type { HuaweiCloud } from '../shared/hwc/index.ts';
import type { Policy } from '../shared/policy.ts';
import { mapLimit } from '../shared/runtime/concurrency.ts';
import { guardrail } from '../shared/runtime/guardrail.ts';
import type { GuardrailDefinition, GuardrailOptions, GuardrailRun } from '../shared/runtime/guardrail.ts';
import type { ReportAction } from '../shared/runtime/report.ts';
import { tryCtsTimeToDate } from '../shared/triggers/time.ts';
import { undocumented } from './lib/documented.ts';
import { chooseService } from './lib/backup-service.ts';
import { failureReason } from './lib/failure.ts';
import { applyCbr, KIND, observeCbr, planCbr } from './lib/restorable-cbr.ts';
import { exemption, listServers } from './lib/servers.ts';
import type { Inventory } from './lib/servers.ts';

/**
 * check-restorable, on CSBS or CBR (`WARDEN_BACKUP_SERVICE`; auto: CBR where it holds server vaults, CSBS
 * otherwise: lib/backup-service.ts). The CBR check reasons from what CBR and ECS say (lib/restorable-cbr.ts).
 * On either, every ECS server with no backup at all fails "no backup", and a server exempt by
 * `WARDEN_BACKUP_EXEMPT` (name globs) or tagged `backup-exempt=true` is skipped (lib/servers.ts).
 *
 * On CSBS: for every server that has backups, asks CSBS whether its newest *available* backup can be
 * restored onto it (each disk backup onto the disk it was taken from), and flags servers whose newest available
 * backup is older than `backupMaxAgeHours` (or that have none: only error / protecting / deleting ones).
 * TIMER and APIG both mean a sweep.
 *
 * One report action per server, kind `check-restorable`, target the server id:
 * - `applied`  "restorable: CSBS backup <item> of <time>"
 * - `failed`   "not restorable: <error_code>: <error_msg> (CSBS backup …)", "stale: …", "check failed: …" (the
 *              cloud's answer was an error or did not mention the server), "cannot check: …" (no request could be
 *              built), "no backup: CSBS holds no backup of this server"
 * - `skipped`  "exempt: …"
 * - `deferred` "out of time: left for the next run"
 * A stale server is `failed` even when its old backup restores; that check still runs and its result is added.
 * A server with a backup in a status the API does not document is `failed` ("cannot check: backup … has
 * undocumented status …"), unchecked: which of its backups is the newest available cannot be told. A listing of
 * backups that cannot prove it is complete fails the run (a failed `sweep` naming the call): no server is then
 * reported, let alone reported restorable.
 *
 * Checking is read-only, so a dry run changes nothing it would not change anyway: it checks and reports exactly
 * like a real run (the report says `dryRun: true`).
 *
 * Servers are checked BATCH_SIZE per CheckRestorable request (the API takes a list and answers per target):
 * 100 servers cost 10 round trips instead of 100, batches run `concurrency` at a time, a request body stays a
 * few KB, and a request that fails as a whole (after the client's retries) fails only those 10 servers.
 */

export { KIND };
export const BATCH_SIZE = 10;
const HOUR_MS = 3_600_000;
const SERVER_TYPES = new Set(['OS::Nova::Server', 'OS::Ironic::BareMetalServer']);

type RestoreCheck = CheckRestorableRequest['check_restorable'][number];
type ResourceType = RestoreCheck['target']['resource_type'];

export interface PlannedBackup {
  readonly id: string;
  /** e.g. "2024-05-01T02:00:00.000Z", or the cloud's text when it could not be read. */
  readonly created: string;
  readonly check: RestoreCheck;
}

export interface ServerCheck {
  readonly serverId: string;
  /** The newest available backup, to check; absent when there is none. */
  readonly backup?: PlannedBackup;
  /** Set when no available backup is newer than the limit: the server fails whatever the check says. */
  readonly stale?: string;
  /** Set when no check can be asked for the backup (e.g. a disk backup that names no source volume). */
  readonly problem?: string;
}

export interface RestorablePlan {
  /** One entry per server with backups, by server id. */
  readonly servers: readonly ServerCheck[];
}

export const definition: GuardrailDefinition = {
  name: 'check-restorable',
  traceNames: [],
  async run(r) {
    const choice = await chooseService(r.cloud, r.policy);
    r.log.info('backup service', { service: choice.service, why: choice.why });
    await (choice.service === 'cbr' ? checkOnCbr(r, choice.vaults) : checkOnCsbs(r));
  },
};

async function checkOnCbr(r: GuardrailRun, vaults: readonly Vault[]): Promise<void> {
  const observed = await observeCbr(r.cloud, r.policy, r.now);
  const plan = planCbr(observed, vaults, r.policy);
  r.log.info('observed', { service: 'cbr', backups: observed.backupsRead, servers: plan.length, serverListing: observed.inventory.ok ? 'complete' : observed.inventory.reason });
  await applyCbr(plan, r);
}

async function checkOnCsbs(r: GuardrailRun): Promise<void> {
  const { items, inventory } = await observeWithServers(r.cloud, r.policy);
  const { plan, actions } = planUnchecked(planChecks(items, r.policy, r.now), items, inventory, r.policy);
  r.log.info('observed', {
    service: 'csbs',
    backups: items.length,
    servers: plan.servers.length,
    stale: plan.servers.filter((s) => s.stale !== undefined).length,
    unchecked: actions.length,
  });
  await applyChecks(plan, r);
  for (const action of actions) r.report.add(action);
}

export function createHandler(options?: GuardrailOptions) {
  return guardrail(definition, options);
}

export const handler = createHandler();

// ---- observe ----------------------------------------------------------------------------------

/** Every backup, whatever its status: a server whose backups all failed must still be seen (as stale). */
export async function observe(cloud: HuaweiCloud): Promise<CheckpointItem[]> {
  const items: CheckpointItem[] = [];
  for await (const item of cloud.csbs.listCheckpointItems()) items.push(item);
  return items;
}

/** The backups and, side by side, every server (ECS): those with no backup are reported too. */
export async function observeWithServers(cloud: HuaweiCloud, policy: Pick<Policy, 'concurrency'>): Promise<{ items: CheckpointItem[]; inventory: Inventory }> {
  const stop = new AbortController();
  const inventory = listServers(cloud, Math.max(1, Math.floor(policy.concurrency / 4)), stop.signal);
  try {
    return { items: await observe(cloud), inventory: await inventory };
  } catch (error) {
    stop.abort();
    await inventory;
    throw error;
  }
}

// ---- plan -------------------------------------------------------------------------------------

/** Pure: per server, the newest available backup to check and whether the server is stale. */
export function planChecks(items: readonly CheckpointItem[], policy: Pick<Policy, 'backupMaxAgeHours'>, now: Date): RestorablePlan {
  const byServer = new Map<string, CheckpointItem[]>();
  for (const item of items) {
    const group = byServer.get(item.resource_id);
    if (group) group.push(item);
    else byServer.set(item.resource_id, [item]);
  }
  const servers = [...byServer.keys()].sort().map((serverId) => planServer(serverId, byServer.get(serverId) ?? [], policy, now));
  return { servers };
}

function planServer(serverId: string, items: readonly CheckpointItem[], policy: Pick<Policy, 'backupMaxAgeHours'>, now: Date): ServerCheck {
  const unknown = items.flatMap((item) => {
    const why = undocumented('status', item.status, CHECKPOINT_ITEM_STATUSES);
    return why === undefined ? [] : [`backup ${item.id} has ${why}`];
  });
  if (unknown.length > 0) return { serverId, problem: unknown.slice(0, 3).join('; ') };
  const limit = `stale: no available CSBS backup newer than ${policy.backupMaxAgeHours} h`;
  const available = items
    .filter((item) => item.status === 'available')
    .map((item) => ({ item, createdAt: tryCtsTimeToDate(item.created_at) }))
    .sort((a, b) => (b.createdAt?.getTime() ?? -Infinity) - (a.createdAt?.getTime() ?? -Infinity) || compare(a.item.id, b.item.id));
  const newest = available[0];
  if (!newest) return { serverId, stale: `${limit} (none available: ${tally(items)})` };

  const created = newest.createdAt?.toISOString() ?? String(newest.item.created_at ?? 'unknown');
  const ageMs = newest.createdAt === undefined ? undefined : now.getTime() - newest.createdAt.getTime();
  const stale =
    ageMs === undefined
      ? `${limit} (newest: created_at ${JSON.stringify(created)} unreadable)`
      : ageMs > policy.backupMaxAgeHours * HOUR_MS
        ? `${limit} (newest: ${created}, ${Math.floor(ageMs / HOUR_MS)} h old)`
        : undefined;

  const disks = newest.item.extend_info?.volume_backups ?? [];
  const unmapped = disks.filter((disk) => !disk.source_volume_id).map((disk) => disk.id);
  const resourceType = newest.item.resource_type ?? newest.item.extend_info?.resource_type;
  const check: RestoreCheck = {
    checkpoint_item_id: newest.item.id,
    target: {
      resource_id: serverId,
      resource_type: (resourceType && SERVER_TYPES.has(resourceType) ? resourceType : 'OS::Nova::Server') as ResourceType,
      volumes: disks.map((disk) => ({ backup_id: disk.id, volume_id: disk.source_volume_id ?? '' })),
    },
  };
  return {
    serverId,
    backup: { id: newest.item.id, created, check },
    ...(stale !== undefined ? { stale } : {}),
    ...(unmapped.length > 0 ? { problem: `disk backup(s) ${unmapped.join(', ')} name no source volume` } : {}),
  };
}

/**
 * Pure: leaves exempt servers out of the plan (reported skipped) and reports every listed server CSBS holds
 * no backup of as failed "no backup". A server listing that failed is reported once, as what it leaves unknown.
 */
export function planUnchecked(
  plan: RestorablePlan,
  items: readonly CheckpointItem[],
  inventory: Inventory,
  policy: Pick<Policy, 'backupExempt'>,
): { plan: RestorablePlan; actions: ReportAction[] } {
  const actions: ReportAction[] = [];
  const listed = inventory.ok ? inventory.servers : new Map();
  const names = new Map(items.map((item) => [item.resource_id, item.extend_info?.resource_name ?? '']));
  const servers = plan.servers.filter((check) => {
    const server = listed.get(check.serverId);
    const exempt = exemption({ name: server?.name ?? names.get(check.serverId) ?? '', tags: server?.tags }, policy);
    if (exempt !== undefined) actions.push({ kind: KIND, target: check.serverId, status: 'skipped', reason: exempt });
    return exempt === undefined;
  });
  if (!inventory.ok) {
    actions.push({ kind: KIND, target: 'ecs.listServersDetails', status: 'failed', reason: `servers with no backup cannot be found: ${inventory.reason}` });
  }
  for (const server of [...listed.values()].sort((a, b) => compare(a.id, b.id))) {
    if (names.has(server.id)) continue;
    const exempt = exemption(server, policy);
    actions.push(
      exempt !== undefined
        ? { kind: KIND, target: server.id, status: 'skipped', reason: exempt }
        : { kind: KIND, target: server.id, status: 'failed', reason: 'no backup: CSBS holds no backup of this server' },
    );
  }
  return { plan: { servers }, actions };
}

function tally(items: readonly CheckpointItem[]): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item.status, (counts.get(item.status) ?? 0) + 1);
  return [...counts].map(([status, count]) => `${count} ${status}`).join(', ');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Consecutive slices of at most `size`. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// ---- apply + report ---------------------------------------------------------------------------

type Verdict =
  | { readonly kind: 'restorable' }
  | { readonly kind: 'not-restorable'; readonly detail: string }
  | { readonly kind: 'error'; readonly detail: string }
  | { readonly kind: 'deferred' };

type Askable = ServerCheck & { readonly backup: PlannedBackup };

export type ApplyRun = Pick<GuardrailRun, 'cloud' | 'report' | 'outOfTime'> & { readonly policy: Pick<Policy, 'concurrency'> };

/** Asks the cloud about every checkable backup (a dry run too: it is read-only) and reports each server. */
export async function applyChecks(plan: RestorablePlan, r: ApplyRun): Promise<void> {
  const askable = plan.servers.filter((s): s is Askable => s.backup !== undefined && s.problem === undefined);
  const verdicts = new Map<string, Verdict>();
  await mapLimit(batches(askable, BATCH_SIZE), r.policy.concurrency, async (batch) => {
    const answers: readonly Verdict[] = r.outOfTime() ? batch.map(() => ({ kind: 'deferred' }) as const) : await checkBatch(r.cloud, batch);
    batch.forEach((server, i) => verdicts.set(server.serverId, answers[i] ?? { kind: 'error', detail: 'no verdict' }));
  });
  for (const server of plan.servers) r.report.add(outcome(server, verdicts.get(server.serverId)));
}

async function checkBatch(cloud: HuaweiCloud, batch: readonly Askable[]): Promise<Verdict[]> {
  try {
    const response = await cloud.csbs.checkRestorable({ check_restorable: batch.map((s) => s.backup.check) });
    const byServer = new Map<string, RestorableResult>();
    for (const answer of response.restorable) if (!byServer.has(answer.resource_id)) byServer.set(answer.resource_id, answer);
    return batch.map((s) => verdictOf(byServer.get(s.serverId)));
  } catch (error) {
    if (isDeadlineError(error)) return batch.map(() => ({ kind: 'deferred' })); // a stale server stays failed
    const detail = failureReason(error);
    return batch.map(() => ({ kind: 'error', detail }));
  }
}

function verdictOf(answer: RestorableResult | undefined): Verdict {
  if (answer === undefined) return { kind: 'error', detail: 'the answer does not mention this server' };
  if (answer.result) return { kind: 'restorable' };
  const detail = [answer.error_code, answer.error_msg].filter((part) => part !== undefined && part !== '').join(': ');
  return { kind: 'not-restorable', detail: detail || 'no reason given' };
}

function outcome(server: ServerCheck, verdict: Verdict | undefined): ReportAction {
  const action = (status: ReportAction['status'], reason: string): ReportAction => ({ kind: KIND, target: server.serverId, status, reason });
  const stale = server.stale === undefined ? '' : `${server.stale}; `;
  const backup = server.backup ? ` (CSBS backup ${server.backup.id} of ${server.backup.created})` : '';
  if (server.problem !== undefined) return action('failed', `${stale}cannot check: ${server.problem}${backup}`);
  if (!server.backup || verdict === undefined) return action('failed', server.stale ?? 'not checked');
  switch (verdict.kind) {
    case 'restorable':
      return server.stale !== undefined
        ? action('failed', `${stale}that backup is restorable${backup}`)
        : action('applied', `restorable: CSBS backup ${server.backup.id} of ${server.backup.created}`);
    case 'not-restorable':
      return action('failed', `${stale}not restorable: ${verdict.detail}${backup}`);
    case 'error':
      return action('failed', `${stale}check failed: ${verdict.detail}${backup}`);
    case 'deferred':
      return server.stale !== undefined ? action('failed', `${stale}not checked: out of time`) : action('deferred', 'out of time: left for the next run');
  }
}
