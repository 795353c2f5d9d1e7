import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFunctions } from '../../deploy/build.ts';
import { codeDigest } from '../../deploy/zip.ts';

/**
 * The zips `npm start` runs: the very ones `npm run build` and `warden deploy` make (deploy/build.ts), built at
 * start. A function whose inputs have not changed since the last start is not rebuilt: the build records, per
 * function, the SHA-256 of every file esbuild read (sources, dependencies), and of the builder and the settings
 * around it (tsconfig.json, package.json, the lockfile, serverless.yml); the next start hashes those files again
 * (≈ 50 ms) and rebuilds only a function where one differs, or all when a setting does.
 * The record and the zips live in `~/.cache/hwc-warden/host-build/` (or `$XDG_CACHE_HOME`), one folder per
 * service root, written whole and renamed into place, so two starts at once never read half of one.
 */

export interface HostBuild {
  readonly name: string;
  readonly zip: Buffer;
  /** SHA-512 of the zip: FunctionGraph's `digest`, what `warden deploy` would upload. */
  readonly digest: string;
  /** False when this start built it; true when the last start's zip still matched its inputs. */
  readonly reused: boolean;
}

export interface HostBuildOptions {
  /** Where the zips and their record are kept. Default `~/.cache/hwc-warden/host-build` (or under `$XDG_CACHE_HOME`). */
  readonly cacheDir?: string;
}

interface Record_ {
  readonly format: 'warden-host-build/1';
  readonly builder: string;
  readonly functions: Readonly<Record<string, { readonly zip: string; readonly inputs: Readonly<Record<string, string>> }>>;
}

/** What makes a bundle besides its inputs: the builder's own files, the Node major it targets, esbuild's version. */
const BUILDER_FILES = ['../../deploy/build.ts', '../../deploy/function-loader.cjs', '../../deploy/zip.ts', '../../deploy/serverless.ts'].map((path) =>
  fileURLToPath(new URL(path, import.meta.url)),
);

/** A file saved this close to (or during) a build may not be what esbuild read: its function is rebuilt next time. */
const SETTLED_MS = 1_000;
/** Zips, scratch folders and half-written files nothing has used for this long are removed. */
const FORGET_AFTER_MS = 10 * 60_000;

export async function buildForHost(root: string, names: readonly string[], options: HostBuildOptions = {}): Promise<HostBuild[]> {
  const dir = join(options.cacheDir ?? defaultCacheDir(), createHash('sha256').update(resolve(root)).digest('hex').slice(0, 16));
  const builder = await builderFingerprint(root);
  const previous = readRecord(dir, builder);
  // The functions share most of their inputs (undici, zod, shared/): each file is read and hashed once.
  const hashes = new Map<string, string>();
  const hashOnce = (path: string): string => hashes.get(path) ?? (hashes.set(path, hashOf(path)).get(path) as string);
  const kept = new Map<string, Buffer>();
  for (const name of names) {
    const zip = reusableZip(dir, previous?.functions[name], hashOnce);
    if (zip) kept.set(name, zip);
  }
  const stale = names.filter((name) => !kept.has(name));
  const fresh = new Map<string, { zip: Buffer; inputs: Record<string, string> }>();
  if (stale.length > 0) {
    mkdirSync(dir, { recursive: true });
    const scratch = mkdtempSync(join(dir, 'building-'));
    const startedAt = Date.now();
    try {
      for (const built of await buildFunctions(root, scratch, { functions: stale, quiet: true })) {
        const settled = built.inputs.every((path) => (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Infinity) < startedAt - SETTLED_MS);
        fresh.set(built.name, { zip: readFileSync(built.zip), inputs: settled ? Object.fromEntries(built.inputs.map((path) => [path, hashOnce(path)])) : {} });
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }

  const builds: HostBuild[] = [];
  // Functions not asked for this time (`warden invoke` builds one) keep their entries.
  const functions: Record<string, { zip: string; inputs: Record<string, string> }> = { ...previous?.functions };
  for (const name of names) {
    const made = fresh.get(name);
    const zip = made?.zip ?? (kept.get(name) as Buffer);
    const digest = codeDigest(zip);
    const file = `${name}-${digest.slice(0, 16)}.zip`;
    if (made) writeWhole(join(dir, file), zip);
    functions[name] = { zip: file, inputs: made?.inputs ?? { ...previous?.functions[name]?.inputs } };
    builds.push({ name, zip, digest, reused: made === undefined });
  }
  if (fresh.size > 0) {
    writeWhole(join(dir, 'record.json'), JSON.stringify({ format: 'warden-host-build/1', builder, functions } satisfies Record_));
    forgetUnused(dir, new Set(Object.values(functions).map((entry) => entry.zip)));
  }
  return builds;
}

function defaultCacheDir(): string {
  return join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'hwc-warden', 'host-build');
}

/**
 * The builder's files, Node's major and esbuild's version, serverless.yml, and every tsconfig.json and
 * package.json from the root up (esbuild reads the nearest for each file, and they are not in its list of inputs),
 * with the root's lockfile.
 */
async function builderFingerprint(root: string): Promise<string> {
  const { version } = await import('esbuild');
  const hash = createHash('sha256').update(`node ${process.versions.node.split('.')[0]}; esbuild ${version}\n`);
  const files = [...BUILDER_FILES, join(root, 'serverless.yml'), join(root, 'package-lock.json')];
  for (let folder = resolve(root); ; folder = dirname(folder)) {
    files.push(join(folder, 'tsconfig.json'), join(folder, 'package.json'));
    if (dirname(folder) === folder) break;
  }
  for (const path of files) hash.update(`${path} ${hashOf(path)}\n`);
  return hash.digest('hex');
}

function readRecord(dir: string, builder: string): Record_ | undefined {
  try {
    const record = JSON.parse(readFileSync(join(dir, 'record.json'), 'utf8')) as Record_;
    return record.format === 'warden-host-build/1' && record.builder === builder ? record : undefined;
  } catch {
    return undefined;
  }
}

/** The zip of the last build, when every input still hashes as it did; touched, so that it counts as used. */
function reusableZip(dir: string, entry: Record_['functions'][string] | undefined, hashOf: (path: string) => string): Buffer | undefined {
  if (!entry || Object.keys(entry.inputs).length === 0) return undefined;
  if (!Object.entries(entry.inputs).every(([path, hash]) => hashOf(path) === hash)) return undefined;
  try {
    const path = join(dir, entry.zip);
    const zip = readFileSync(path);
    const now = new Date();
    utimesSync(path, now, now);
    return zip;
  } catch {
    return undefined;
  }
}

/**
 * Zips no function points at any more, scratch folders of builds that crashed and half-written files, once nothing
 * has touched them for a while (another start may still be reading a zip it has just found).
 */
function forgetUnused(dir: string, kept: ReadonlySet<string>): void {
  const before = Date.now() - FORGET_AFTER_MS;
  for (const file of readdirSync(dir)) {
    if (kept.has(file) || file === 'record.json') continue;
    const path = join(dir, file);
    if ((statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Infinity) < before) rmSync(path, { recursive: true, force: true });
  }
}

/** SHA-256 of a file; "missing" when it cannot be read (a deleted input makes the function rebuild). */
function hashOf(path: string): string {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return 'missing';
  }
}

function writeWhole(path: string, data: string | Buffer): void {
  const partial = `${path}.${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(partial, data);
  renameSync(partial, path);
}
