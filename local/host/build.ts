import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFunctions } from '../../deploy/build.ts';
import { codeDigest } from '../../deploy/zip.ts';

/**
 * The zips `npm start` runs: the very ones `npm run build` and `warden deploy` make (deploy/build.ts), built at
 * start. A function whose inputs have not changed since the last start is not rebuilt: the build records, per
 * function, the SHA-256 of every file esbuild read (sources, dependencies, tsconfig.json) and of the builder
 * itself; the next start hashes those files again (≈ 10 ms) and rebuilds only a function where one differs.
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

export async function buildForHost(root: string, names: readonly string[], options: HostBuildOptions = {}): Promise<HostBuild[]> {
  const dir = join(options.cacheDir ?? defaultCacheDir(), createHash('sha256').update(root).digest('hex').slice(0, 16));
  const builder = await builderFingerprint(root);
  const previous = readRecord(dir, builder);
  const stale = names.filter((name) => !reusable(dir, previous?.functions[name]));
  const fresh = new Map<string, { zip: Buffer; inputs: Record<string, string> }>();
  if (stale.length > 0) {
    mkdirSync(dir, { recursive: true });
    const scratch = mkdtempSync(join(dir, 'building-'));
    try {
      for (const built of await buildFunctions(root, scratch, { functions: stale })) {
        fresh.set(built.name, { zip: readFileSync(built.zip), inputs: Object.fromEntries(built.inputs.map((path) => [path, hashOf(path)])) });
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }

  const builds: HostBuild[] = [];
  const functions: Record<string, { zip: string; inputs: Record<string, string> }> = {};
  for (const name of names) {
    const made = fresh.get(name);
    const zip = made?.zip ?? readFileSync(join(dir, (previous?.functions[name] as { zip: string }).zip));
    const digest = codeDigest(zip);
    const file = `${name}-${digest.slice(0, 16)}.zip`;
    if (made) writeWhole(join(dir, file), zip);
    functions[name] = { zip: file, inputs: made?.inputs ?? { ...previous?.functions[name]?.inputs } };
    builds.push({ name, zip, digest, reused: made === undefined });
  }
  if (fresh.size > 0) {
    writeWhole(join(dir, 'record.json'), JSON.stringify({ format: 'warden-host-build/1', builder, functions } satisfies Record_));
    forgetOldZips(dir, new Set(Object.values(functions).map((entry) => entry.zip)));
  }
  return builds;
}

function defaultCacheDir(): string {
  return join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'hwc-warden', 'host-build');
}

async function builderFingerprint(root: string): Promise<string> {
  const { version } = await import('esbuild');
  const hash = createHash('sha256').update(`node ${process.versions.node.split('.')[0]}; esbuild ${version}\n`);
  for (const path of [...BUILDER_FILES, join(root, 'serverless.yml')]) hash.update(`${path} ${hashOf(path)}\n`);
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

function reusable(dir: string, entry: Record_['functions'][string] | undefined): boolean {
  if (!entry || Object.keys(entry.inputs).length === 0 || !existsSync(join(dir, entry.zip))) return false;
  return Object.entries(entry.inputs).every(([path, hash]) => hashOf(path) === hash);
}

/** Zips no function points at any more, once they are old enough that no other start can still be reading one. */
function forgetOldZips(dir: string, kept: ReadonlySet<string>): void {
  const before = Date.now() - 10 * 60_000;
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.zip') || kept.has(file)) continue;
    const path = join(dir, file);
    if ((statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Infinity) < before) rmSync(path, { force: true });
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
