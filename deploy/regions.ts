import type { AuthProject as SharedAuthProject } from '../shared/hwc/iam.ts';

/**
 * Where a deploy goes: which regions, and each region's project.
 *
 * Regions: `--region a,b` first, then `HUAWEICLOUD_REGION`, then serverless.yml's `provider.region`. The command
 * line is the most deliberate choice; the environment variable is the one the functions and `warden invoke`
 * read, so a shell set up for a region deploys there; the file's region is the team's default. (sls uses
 * `--region`, then `provider.region`.)
 *
 * Projects: with one region, `HUAWEICLOUD_SDK_PROJECT_ID` when set; otherwise, and always with several regions
 * (one variable cannot name several projects), the project named after the region among those IAM's
 * KeystoneListAuthProjects lists for the caller.
 */

export const REGION_PATTERN = /^[a-z]{2}-[a-z]+-\d+$/;

export interface RegionChoice {
  readonly regions: readonly string[];
  /** Where they came from, for the plan's header. */
  readonly from: '--region' | 'HUAWEICLOUD_REGION' | 'provider.region';
}

export function chooseRegions(cli: string | undefined, env: Readonly<Record<string, string | undefined>>, providerRegion: string | undefined): RegionChoice {
  const pick = (text: string, from: RegionChoice['from']): RegionChoice => {
    const regions = text.split(',').map((region) => region.trim());
    const seen = new Set<string>();
    for (const region of regions) {
      if (!REGION_PATTERN.test(region)) throw new Error(`${from}: ${JSON.stringify(region)} is not a region name (e.g. cn-north-4)`);
      if (seen.has(region)) throw new Error(`${from}: ${region} is given twice`);
      seen.add(region);
    }
    return { regions, from };
  };
  if (cli !== undefined && cli.trim() !== '') return pick(cli, '--region');
  const fromEnv = env['HUAWEICLOUD_REGION']?.trim();
  if (fromEnv) return pick(fromEnv, 'HUAWEICLOUD_REGION');
  if (providerRegion) return pick(providerRegion, 'provider.region');
  throw new Error('no region: pass --region, set HUAWEICLOUD_REGION, or set provider.region in serverless.yml');
}

/** Regions whose project id is known from the environment, and those to look up through IAM. */
export function projectSources(regions: readonly string[], env: Readonly<Record<string, string | undefined>>): { known: Readonly<Record<string, string>>; lookUp: readonly string[] } {
  const projectId = env['HUAWEICLOUD_SDK_PROJECT_ID']?.trim();
  if (regions.length === 1 && projectId) return { known: { [regions[0] as string]: projectId }, lookUp: [] };
  return { known: {}, lookUp: regions };
}

/** One project as KeystoneListAuthProjects lists it (the fields deploy reads; `shared/hwc` IamApi.listAuthProjects). */
export type AuthProject = Pick<SharedAuthProject, 'id' | 'name' | 'enabled'>;

/**
 * Each region's project id from IAM's list: the one enabled project named exactly after the region (sub-projects
 * are named `<region>_<name>` and are not picked). Throws naming the region when there is none, or it is
 * disabled, or the list names it twice.
 */
export function projectIdsFor(regions: readonly string[], projects: readonly AuthProject[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const region of regions) {
    const matching = projects.filter((project) => project.name === region);
    if (matching.length === 0) {
      const names = projects.map((project) => project.name).sort().join(', ') || 'none';
      throw new Error(`${region}: IAM lists no project of that name for these credentials (it lists: ${names})`);
    }
    if (matching.length > 1) throw new Error(`${region}: IAM lists ${matching.length} projects of that name (${matching.map((p) => p.id).join(', ')})`);
    const project = matching[0] as AuthProject;
    if (!project.enabled) throw new Error(`${region}: project ${project.id} is disabled`);
    out[region] = project.id;
  }
  return out;
}
