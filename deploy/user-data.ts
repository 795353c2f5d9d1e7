import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { USER_DATA_LIMITS } from './functiongraph-rules.ts';
import { SecretValue } from './secret.ts';

/**
 * A function's configuration as FunctionGraph stores it: `user_data` (plain, readable by anyone who can read the
 * function) and `encrypted_user_data` (encrypted at rest, read back with its values blanked).
 *
 * - Merge: provider `environment.variables`, then the function's `userData` over them (a function overrides
 *   the service), as `npm start` and `warden invoke` do. (serverless-huawei-functions sends a function's
 *   `userData` alone when it has one; warden merges.)
 * - Split: a name that looks like a credential goes to encrypted user data, whatever file it came from:
 *   `*SECRET*`, `*PASSWORD*` / `*PASSWD*`, `*TOKEN*` (a bearer credential by definition), `*PRIVATE_KEY*`,
 *   `*API_KEY*`, `*CREDENTIAL*`, and `*_SK` / `SK` (Huawei Cloud's name for a secret access key). Not `*KEY*`
 *   alone: `WARDEN_KEY_TAGS` is policy, not a secret. A function's `encryptedUserData` goes there too, whatever
 *   the names.
 */

const SECRET_NAME = /SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE_KEY|API_KEY|CREDENTIAL|(^|_)SK$/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

export interface SplitUserData {
  readonly plain: Readonly<Record<string, string>>;
  readonly encrypted: Readonly<Record<string, SecretValue>>;
}

export function splitUserData(
  providerVariables: Readonly<Record<string, string>>,
  userData: Readonly<Record<string, string>>,
  encryptedUserData: Readonly<Record<string, string>> = {},
): SplitUserData {
  const plain: Record<string, string> = {};
  const encrypted: Record<string, SecretValue> = {};
  for (const [name, value] of Object.entries({ ...providerVariables, ...userData })) {
    if (Object.hasOwn(encryptedUserData, name)) continue;
    if (isSecretName(name)) encrypted[name] = new SecretValue(value);
    else plain[name] = value;
  }
  for (const [name, value] of Object.entries(encryptedUserData)) encrypted[name] = new SecretValue(value);
  return { plain: sortKeys(plain), encrypted: sortKeys(encrypted) };
}

/** A user data map as FunctionGraph takes it: a JSON object (keys sorted, so equal maps give equal text). */
export function userDataText(data: Readonly<Record<string, string>>): string {
  return JSON.stringify(sortKeys(data));
}

/** The encrypted user data request field: the secret values themselves. Call only to build a request body. */
export function encryptedUserDataText(data: Readonly<Record<string, SecretValue>>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(sortKeys(data)).map(([name, value]) => [name, value.reveal()])));
}

/** Problems with FunctionGraph's limits ("最多定义20个,总长度不超过4KB"), e.g. `41 entries; at most 20`. */
export function limitProblems(entries: number, text: string): string[] {
  const problems: string[] = [];
  if (entries > USER_DATA_LIMITS.entries) problems.push(`${entries} entries; FunctionGraph allows ${USER_DATA_LIMITS.entries}`);
  const bytes = Buffer.byteLength(text);
  if (bytes > USER_DATA_LIMITS.bytes) problems.push(`${bytes} bytes as JSON; FunctionGraph allows ${USER_DATA_LIMITS.bytes}`);
  return problems;
}

/**
 * The fingerprint deploy keeps of the encrypted user data, in the function's own (plain) user data marker:
 * `scrypt:<N>:<r>:<p>:<salt>:<hash>` over the names and values. Salted and slow to compute, so that reading it
 * (anyone who can read the function's configuration can) does not give the secrets away, even short ones, at
 * any useful rate; it tells deploy only whether the values it is about to send are the ones already there.
 */
const SCRYPT = { N: 16_384, r: 8, p: 1, keyLength: 32 } as const;
/** A marker read from the cloud asks for at most this much work (N × r ≤ 2^20 blocks, ≈ 128 MiB). */
const MAX_WORK = 1 << 20;

export function fingerprintSecrets(secrets: Readonly<Record<string, SecretValue>>, salt: Buffer = randomBytes(16)): string {
  const hash = scryptSync(canonical(secrets), salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return `scrypt:${SCRYPT.N}:${SCRYPT.r}:${SCRYPT.p}:${salt.toString('base64url')}:${hash.toString('base64url')}`;
}

/** True when `fingerprint` was made from exactly these names and values; false for any other or a malformed one. */
export function secretsMatch(fingerprint: string | undefined, secrets: Readonly<Record<string, SecretValue>>): boolean {
  const parts = fingerprint?.split(':');
  if (parts?.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4] as string, 'base64url');
  const expected = Buffer.from(parts[5] as string, 'base64url');
  const sane = [N, r, p].every((n) => Number.isInteger(n) && n > 0) && (N & (N - 1)) === 0 && N * r <= MAX_WORK && p <= 4;
  if (!sane || salt.length < 8 || expected.length < 16) return false;
  try {
    const actual = scryptSync(canonical(secrets), salt, expected.length, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 });
    return timingSafeEqual(actual, expected);
  } catch {
    return false;
  }
}

function canonical(secrets: Readonly<Record<string, SecretValue>>): string {
  return JSON.stringify(Object.entries(sortKeys(secrets)).map(([name, value]) => [name, value.reveal()]));
}

function sortKeys<T>(data: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(data).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
