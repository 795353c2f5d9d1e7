/**
 * How warden names what it deploys, and how it recognises what it deployed.
 *
 * - A function `f` of service `s` at stage `t` is the FunctionGraph function `s-t-f` (the serverless framework's
 *   own `${service}-${stage}-${function}`), in the FunctionGraph package (group) named after the service, so
 *   that ListFunctions with `package_name` lists the service's functions and little else.
 * - Ownership is not read from the name: an account holds other teams' functions, and anyone may name one
 *   `hwc-warden-dev-…`. Deploy writes a marker into each function's user data, `WARDEN_DEPLOY`, naming service,
 *   stage and function; a function is warden's to update or delete only when it is in the service's package,
 *   carries a marker for this service and stage, and has exactly the name that marker implies. Anything else
 *   is left untouched (and a name clash is refused before any call).
 * - The marker also keeps the fingerprint of the encrypted user data (see user-data.ts): FunctionGraph reads
 *   encrypted values back blanked, so without it deploy could not tell whether a secret changed.
 */

/** User data key of the marker; reserved: serverless.yml may not set it. */
export const MARKER_KEY = 'WARDEN_DEPLOY';

export interface DeployMarker {
  readonly service: string;
  readonly stage: string;
  /** The function's key in serverless.yml. */
  readonly function: string;
  /** `scrypt:…` fingerprint of the encrypted user data; absent when there is none. */
  readonly encrypted?: string;
}

export const DEFAULT_STAGE = 'dev';
const STAGE = /^[A-Za-z][A-Za-z0-9]*$/;

/** `--stage`, else serverless.yml's `provider.stage`, else `dev` (as the serverless framework does). */
export function chooseStage(cli: string | undefined, providerStage: string | undefined): string {
  const stage = cli ?? providerStage ?? DEFAULT_STAGE;
  if (!STAGE.test(stage)) throw new Error(`--stage ${JSON.stringify(stage)}: expected letters and digits, starting with a letter (it becomes part of every function's name)`);
  return stage;
}

export function functionNameOf(service: string, stage: string, fn: string): string {
  return `${service}-${stage}-${fn}`;
}

export function packageOf(service: string): string {
  return service;
}

export function formatMarker(marker: DeployMarker): string {
  const { service, stage, function: fn, encrypted } = marker;
  return JSON.stringify(encrypted === undefined ? { by: 'warden deploy', service, stage, function: fn } : { by: 'warden deploy', service, stage, function: fn, encrypted });
}

/** The marker in a user data map, or undefined when there is none or it is not one of ours. */
export function parseMarker(userData: Readonly<Record<string, string>>): DeployMarker | undefined {
  const text = userData[MARKER_KEY];
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { by, service, stage, function: fn, encrypted } = value as Record<string, unknown>;
  if (by !== 'warden deploy' || typeof service !== 'string' || typeof stage !== 'string' || typeof fn !== 'string') return undefined;
  if (encrypted !== undefined && typeof encrypted !== 'string') return undefined;
  return encrypted === undefined ? { service, stage, function: fn } : { service, stage, function: fn, encrypted };
}

/** `user_data` as FunctionGraph returns it (a JSON object of strings, or empty) → a map; undefined if unreadable. */
export function parseUserData(text: string | undefined | null): Record<string, string> | undefined {
  if (text === undefined || text === null || text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') return undefined;
    out[key] = item;
  }
  return out;
}

export interface Owner {
  readonly service: string;
  readonly stage: string;
}

/**
 * The serverless.yml function a listed FunctionGraph function was deployed as, when it is this service and
 * stage's: right package, a marker for this service and stage, and the name that marker implies. Otherwise
 * undefined: not warden's to touch.
 */
export function ownedFunctionKey(fn: { readonly func_name: string; readonly package?: string | undefined; readonly user_data?: string | undefined | null }, owner: Owner): string | undefined {
  if (fn.package !== packageOf(owner.service)) return undefined;
  const userData = parseUserData(fn.user_data);
  const marker = userData && parseMarker(userData);
  if (!marker || marker.service !== owner.service || marker.stage !== owner.stage) return undefined;
  return fn.func_name === functionNameOf(owner.service, owner.stage, marker.function) ? marker.function : undefined;
}

/**
 * FunctionGraph URNs: `urn:fss:<region>:<project>:function:<package>:<name>[:<version or alias>]`. ListFunctions
 * answers them without a version, ShowFunctionConfig with `:latest`.
 */
const URN = /^urn:fss:[^:]+:[^:]+:function:[^:]+:[^:]+(:[^:]+)?$/;

/** The URN without version: what DeleteFunction takes to delete the whole function (`:latest` cannot be deleted). */
export function unversionedUrn(urn: string): string {
  if (!URN.test(urn)) throw new Error(`not a FunctionGraph function URN: ${urn}`);
  return urn.split(':').slice(0, 7).join(':');
}

/** The URN of the function's `latest` version: what the code, config and trigger calls take. */
export function latestUrn(urn: string): string {
  return `${unversionedUrn(urn)}:latest`;
}

export function predictedUrn(region: string, projectId: string, pkg: string, name: string): string {
  return `urn:fss:${region}:${projectId}:function:${pkg}:${name}:latest`;
}
