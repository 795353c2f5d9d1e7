/** Where each service lives: official defaults for a region, overridable per service or all at once. */

export const SERVICES = ['kms', 'csms', 'csbs', 'smn', 'iam', 'cbr', 'ecs', 'cts', 'functiongraph'] as const;
export type ServiceName = (typeof SERVICES)[number];
export type Endpoints = Readonly<Record<ServiceName, string>>;

export function defaultEndpoints(region: string): Endpoints {
  const kms = `https://kms.${region}.myhuaweicloud.com`;
  return {
    kms,
    csms: kms, // CSMS is served from the KMS host
    csbs: `https://csbs.${region}.myhuaweicloud.com`,
    smn: `https://smn.${region}.myhuaweicloud.com`,
    iam: 'https://iam.myhuaweicloud.com',
    cbr: `https://cbr.${region}.myhuaweicloud.com`,
    ecs: `https://ecs.${region}.myhuaweicloud.com`,
    cts: `https://cts.${region}.myhuaweicloud.com`,
    functiongraph: `https://functiongraph.${region}.myhuaweicloud.com`,
  };
}

/**
 * Endpoints from the environment: `HUAWEICLOUD_ENDPOINT_URL` for every service,
 * `HUAWEICLOUD_ENDPOINT_URL_<SERVICE>` for one; explicit overrides win over both.
 */
export function resolveEndpoints(
  region: string,
  env: Readonly<Record<string, string | undefined>> = {},
  overrides: Partial<Endpoints> = {},
): Endpoints {
  const all = env['HUAWEICLOUD_ENDPOINT_URL'];
  const resolved = { ...defaultEndpoints(region) };
  for (const service of SERVICES) {
    const url = overrides[service] ?? env[`HUAWEICLOUD_ENDPOINT_URL_${service.toUpperCase()}`] ?? all;
    if (url !== undefined && url !== '') resolved[service] = validateEndpoint(service, url);
  }
  return resolved;
}

function validateEndpoint(service: ServiceName, url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`endpoint for ${service} is not a URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new Error(`endpoint for ${service} must be http(s), got ${parsed.protocol}`);
  }
  if (parsed.search || parsed.hash || parsed.username || parsed.password) {
    throw new Error(`endpoint for ${service} must be a plain origin and path: ${parsed.origin}`);
  }
  return parsed.href.replace(/\/+$/, '');
}
