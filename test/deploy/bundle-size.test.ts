import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { BuildOptions, Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServerless, sourceOf } from '../../deploy/serverless.ts';
import { runProbes } from './validation-probes.ts';
import { checkTrims, FUNCTION_BUNDLE_OPTIONS } from '../../deploy/build.ts';

// Every function bundle stays within the 400 KB budget (BENCHMARKS.md: cold start), which holds only while
// schemas use `zod/mini`: classic zod alone is ≈ 450 KB and cannot be tree-shaken. Same esbuild options as
// deploy/build.ts, plus a metafile to see what went in.
const root = join(import.meta.dirname, '..', '..');
const BUDGET_BYTES = 400 * 1024;
const options: BuildOptions = { ...FUNCTION_BUNDLE_OPTIONS, logLevel: 'error', metafile: true };

let dir: string;
const bundles: { name: string; bytes: number; inputs: string[]; metafile: Metafile }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warden-bundle-size-'));
  for (const name of Object.keys(loadServerless(join(root, 'serverless.yml')).functions)) {
    const outfile = join(dir, name, 'index.js');
    const result = await build({ ...options, entryPoints: [join(root, sourceOf(name))], outfile });
    const metafile = result.metafile as Metafile;
    bundles.push({ name, bytes: Object.values(metafile.outputs)[0]!.bytes, inputs: Object.keys(metafile.inputs), metafile });
  }
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('function bundles', () => {
  it('contain zod/mini and not classic zod', () => {
    expect(bundles.length).toBeGreaterThan(0);
    for (const bundle of bundles) {
      const classic = bundle.inputs.filter((input) => /zod\/(v4\/classic|v3)\//.test(input));
      expect(classic, bundle.name).toEqual([]);
      expect(bundle.inputs.some((input) => input.includes('zod/v4/mini/')), bundle.name).toBe(true);
    }
  });

  it("leave out undici's HTTP/2 client and reach node:assert and node:stream/web only lazily (deploy/build.ts)", () => {
    for (const bundle of bundles) expect(() => checkTrims(bundle.metafile, bundle.name)).not.toThrow();
  });

  it('carry CBR and ECS only where they are used (check-restorable: cloud.use)', () => {
    const attached = (bundle: (typeof bundles)[number]) => bundle.inputs.filter((input) => /shared\/hwc\/(cbr|ecs)\.ts$/.test(input)).sort();
    for (const bundle of bundles) {
      expect(attached(bundle), bundle.name).toEqual(bundle.name === 'check-restorable' ? ['shared/hwc/cbr.ts', 'shared/hwc/ecs.ts'] : []);
    }
  });

  it('are each at most 400 KB', () => {
    for (const bundle of bundles) {
      expect(bundle.bytes, `${bundle.name}: ${(bundle.bytes / 1024).toFixed(0)} KB`).toBeLessThanOrEqual(BUDGET_BYTES);
    }
  });

  it('report validation errors with the same English messages as the sources (zod/mini carries no locale of its own)', async () => {
    const expected = runProbes();
    expect(expected['timer']).toBe('time: expected string, got number; trigger_name: expected string (missing)');
    const outfile = join(dir, 'probes.cjs');
    const result = await build({ ...options, entryPoints: [join(root, 'test/deploy/validation-probes.ts')], outfile });
    expect(Object.keys((result.metafile as Metafile).inputs).filter((input) => input.includes('zod/v4/classic/'))).toEqual([]);
    const fromBundle = execFileSync(process.execPath, [outfile], { cwd: tmpdir(), encoding: 'utf8', env: { ...process.env, WARDEN_PRINT_PROBES: '1' } });
    expect(JSON.parse(fromBundle)).toEqual(expected);
  });
});
