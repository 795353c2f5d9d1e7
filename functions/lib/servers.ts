import { EcsApi, SERVER_STATUSES, VOLUMES_ATTACHED } from '../../shared/hwc/ecs.ts';
import type { ServerDetail } from '../../shared/hwc/ecs.ts';
import type { HuaweiCloud } from '../../shared/hwc/index.ts';
import { matchesGlob } from '../../shared/policy.ts';
import type { Policy } from '../../shared/policy.ts';
import { failureReason } from './failure.ts';

/**
 * The project's servers as check-restorable needs them (ECS ListServersDetails, every page): name, status,
 * tags, and the disks attached now (`os-extended-volumes:volumes_attached`, so no call per server). Which of
 * them are exempt from the check.
 */

/** A server tagged with this key and the value `true` (any case) is not checked. */
export const EXEMPT_TAG = 'backup-exempt';
const GONE = new Set<string>(['DELETED', 'SOFT_DELETED']);
const KNOWN = new Set<string>(SERVER_STATUSES);

export interface ServerRecord {
  readonly id: string;
  readonly name: string;
  /** As ECS wrote it; undefined when the answer gave none. */
  readonly status: string | undefined;
  readonly tags: ReadonlyMap<string, string>;
  /** The disks attached now; undefined when the listing left them out (read them with ListServerBlockDevices). */
  readonly disks: readonly string[] | undefined;
}

/** Every server, or why the listing could not be read to its proven end. */
export type Inventory = { readonly ok: true; readonly servers: ReadonlyMap<string, ServerRecord> } | { readonly ok: false; readonly reason: string };

/** Lists every server; a listing that fails or cannot prove it is complete is reported, not thrown. */
export async function listServers(cloud: HuaweiCloud, pagesInFlight: number, signal?: AbortSignal): Promise<Inventory> {
  const servers = new Map<string, ServerRecord>();
  try {
    for await (const server of cloud.use(EcsApi).listServersDetails({ limit: 1000 }, { pagesInFlight, signal })) servers.set(server.id, record(server));
  } catch (error) {
    return { ok: false, reason: `the server listing is incomplete: ${failureReason(error)}` };
  }
  return { ok: true, servers };
}

function record(server: ServerDetail): ServerRecord {
  const attached = server[VOLUMES_ATTACHED];
  return {
    id: server.id,
    name: server.name ?? '',
    status: server.status,
    tags: parseTags(server.tags ?? []),
    disks: attached?.map((volume) => volume.id ?? ''),
  };
}

/** ECS writes tags as `key=value` strings (a bare `key` has an empty value). */
export function parseTags(tags: readonly string[]): ReadonlyMap<string, string> {
  const parsed = new Map<string, string>();
  for (const tag of tags) {
    const at = tag.indexOf('=');
    if (at < 0) parsed.set(tag, '');
    else parsed.set(tag.slice(0, at), tag.slice(at + 1));
  }
  return parsed;
}

/** Why the server is exempt from the check (`exempt: …`), or undefined. A deleted server is known by name only. */
export function exemption(server: { readonly name: string; readonly tags?: ReadonlyMap<string, string> }, policy: Pick<Policy, 'backupExempt'>): string | undefined {
  const glob = policy.backupExempt.find((pattern) => matchesGlob(server.name, pattern));
  if (glob !== undefined) return `exempt: name matches ${JSON.stringify(glob)}`;
  if (server.tags?.get(EXEMPT_TAG)?.trim().toLowerCase() === 'true') return `exempt: tagged ${EXEMPT_TAG}=true`;
  return undefined;
}

/**
 * Whether a server still exists, from the inventory: `undefined` when it does, else why not (or why that
 * cannot be told). A status ECS does not document is named, never taken as "exists".
 */
export function existenceProblem(inventory: Inventory, serverId: string): string | undefined {
  if (!inventory.ok) return `cannot tell whether the server exists or which disks it has (${inventory.reason})`;
  const server = inventory.servers.get(serverId);
  if (server === undefined) return 'the server no longer exists';
  if (server.status === undefined) return 'the server listing gives no status for it';
  if (GONE.has(server.status)) return `the server is ${server.status}`;
  if (!KNOWN.has(server.status)) return `the server's status ${JSON.stringify(server.status)} is not one ECS documents`;
  return undefined;
}
