import { CbrApi } from '../../shared/hwc/cbr.ts';
import type { Vault } from '../../shared/hwc/cbr.ts';
import { HwcError } from '../../shared/hwc/errors.ts';
import type { HuaweiCloud } from '../../shared/hwc/index.ts';
import type { Policy } from '../../shared/policy.ts';
import { failureReason } from './failure.ts';

/**
 * Which backup service check-restorable reads (`WARDEN_BACKUP_SERVICE`): `csbs`, `cbr`, or `auto`. Both CBR
 * and auto read CBR's server vaults first (ListVault `object_type=server`, every page): CBR needs them to
 * say which servers a vault protects.
 *
 * Auto, precisely: CBR when that listing succeeds with at least one server vault. CSBS when it succeeds with
 * none (CBR answers, but this project keeps no server backups there), when CBR answers 404 (no such service
 * at that endpoint), or when its endpoint cannot be reached at all (connection refused, host unknown: a region
 * without CBR). Anything else (401, 403, throttling or 5xx after the retries, a timeout, an answer that does
 * not parse or cannot prove it is complete) fails the run: whether CBR holds this project's backups is then
 * unknown, and guessing CSBS could report every server "no backup" or hide every CBR finding.
 */

export type ServiceChoice =
  | { readonly service: 'csbs'; readonly why: string }
  | { readonly service: 'cbr'; readonly why: string; readonly vaults: readonly Vault[] };

/** Connection errors that mean "nothing answers there", as opposed to a timeout or a reset. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND']);

export async function chooseService(cloud: HuaweiCloud, policy: Pick<Policy, 'backupService'>, signal?: AbortSignal): Promise<ServiceChoice> {
  if (policy.backupService === 'csbs') return { service: 'csbs', why: 'WARDEN_BACKUP_SERVICE=csbs' };
  if (policy.backupService === 'cbr') return { service: 'cbr', why: 'WARDEN_BACKUP_SERVICE=cbr', vaults: await serverVaults(cloud, signal) };
  let vaults: Vault[];
  try {
    vaults = await serverVaults(cloud, signal);
  } catch (error) {
    const absent = cbrAbsent(error);
    if (absent !== undefined) return { service: 'csbs', why: `auto: ${absent}` };
    if (error instanceof HwcError) {
      throw new HwcError({
        operation: error.operation,
        status: error.status,
        errorCode: error.errorCode,
        errorMsg: `WARDEN_BACKUP_SERVICE=auto cannot tell whether CBR holds this project's backups (${failureReason(error)}); grant cbr:vaults:list or set WARDEN_BACKUP_SERVICE to cbr or csbs`,
        requestId: error.requestId,
        attempts: error.attempts,
        cause: error,
      });
    }
    throw error;
  }
  if (vaults.length === 0) return { service: 'csbs', why: 'auto: CBR answers but holds no server vault' };
  return { service: 'cbr', why: `auto: CBR holds ${vaults.length} server vault(s)`, vaults };
}

async function serverVaults(cloud: HuaweiCloud, signal: AbortSignal | undefined): Promise<Vault[]> {
  const vaults: Vault[] = [];
  for await (const vault of cloud.use(CbrApi).listVault({ object_type: 'server', limit: 1000 }, { signal })) vaults.push(vault);
  return vaults;
}

/** Why the error means CBR is not there at all, or undefined. */
function cbrAbsent(error: unknown): string | undefined {
  if (!(error instanceof HwcError)) return undefined;
  if (error.status === 404) return `CBR does not answer here (${failureReason(error)})`;
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  if (error.status === 0 && typeof code === 'string' && UNREACHABLE.has(code)) return `CBR cannot be reached (${code})`;
  return undefined;
}
