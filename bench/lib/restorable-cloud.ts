/**
 * The local cloud for the check-restorable benchmark, in its own process: 5,000 ECS servers (two disks each) and
 * 50,000 CBR server backups in one vault, and a fixed latency per API call. Prints `{ url, identity }`; answers
 * `stats` on stdin with its per-operation call counts and its peak RSS, and `reset` by going back to its
 * starting state. Times are relative to the moment it starts, so a run right after sees the outcomes below.
 */
import { createInterface } from 'node:readline';
import { defaultFixture, startCloud } from '../../local/cloud/index.ts';
import type { Fixture, FixtureBackup, FixtureServer } from '../../local/cloud/index.ts';

export interface RestorableScenario {
  readonly servers: number;
  readonly backups: number;
  /** Servers at the end of the list with no backup at all; every other one of them is tagged backup-exempt=true. */
  readonly withoutBackup: number;
}

export const SCENARIO: RestorableScenario = { servers: 5_000, backups: 50_000, withoutBackup: 50 };

const HOUR = 3_600_000;

/** `2024-05-01T02:00:00.000000`, as CBR writes times. */
const cbrTime = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}.000000`;
const id = (kind: number, n: number) => `${kind.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/**
 * Backed-up servers get one backup a day, the newest 2 h old, spread so that they add up to `backups`. Every 100th
 * backed-up server shows each failure once: stale (newest 3 days old), a disk added after the backup, restore
 * mode na, expired, an error backup.
 */
export function restorableFixture(scenario: RestorableScenario, now = Date.now()): Fixture {
  const base = defaultFixture();
  const servers: FixtureServer[] = [];
  const backups: FixtureBackup[] = [];
  const backedUp = scenario.servers - scenario.withoutBackup;
  const perServer = Math.floor(scenario.backups / backedUp);
  let extra = scenario.backups - perServer * backedUp;
  for (let n = 0; n < scenario.servers; n++) {
    const serverId = id(1, n);
    const disks = [id(2, 2 * n), id(2, 2 * n + 1)];
    const outcome = n < backedUp ? n % 100 : -1;
    servers.push({
      id: serverId,
      name: `srv-${n}`,
      volumes: (outcome === 1 ? [...disks, id(3, n)] : disks).map((disk, i) => ({ id: disk, bootable: i === 0, size: 40 })),
      ...(n >= backedUp && n % 2 === 0 ? { tags: { 'backup-exempt': 'true' } } : {}),
    });
    if (n >= backedUp) continue;
    const count = perServer + (extra-- > 0 ? 1 : 0);
    for (let k = 0; k < count; k++) {
      const created = now - (outcome === 0 ? 72 : 2) * HOUR - k * 24 * HOUR;
      backups.push({
        id: id(4, backups.length),
        vault_id: 'vault-servers',
        resource_id: serverId,
        resource_name: `srv-${n}`,
        status: k === 0 && outcome === 4 ? 'error' : 'available',
        created_at: cbrTime(created),
        expired_at: cbrTime(k === 0 && outcome === 3 ? now - HOUR : created + 30 * 24 * HOUR),
        ...(k === 0 && outcome === 2 ? { supported_restore_mode: 'na' } : {}),
        children: disks.map((disk, i) => ({ id: `${id(5, backups.length)}-${i}`, resource_id: disk, resource_size: 40, bootable: i === 0 })),
      });
    }
  }
  return {
    users: base.users,
    servers,
    vaults: [{ id: 'vault-servers', name: 'servers-daily', resources: servers.slice(0, backedUp).map((s) => s.id) }],
    backups,
  };
}

if (process.argv[1]?.endsWith('restorable-cloud.ts')) {
  const latencyMs = Number(process.argv[2] ?? 20);
  const cloud = await startCloud({ port: 0, fixture: restorableFixture(SCENARIO), faults: { latencyMs } });
  process.stdout.write(`${JSON.stringify({ url: cloud.url, identity: cloud.identity })}\n`);
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line === 'stats') process.stdout.write(`${JSON.stringify({ stats: cloud.stats, rss: process.resourceUsage().maxRSS })}\n`);
    if (line === 'reset') {
      cloud.reset();
      process.stdout.write(`${JSON.stringify({ reset: true })}\n`);
    }
  });
  lines.on('close', () => void cloud.close().then(() => process.exit(0)));
}
