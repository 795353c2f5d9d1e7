import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import type { BuildOptions } from 'esbuild';
import { loadServerless, sourceOf } from './serverless.ts';
import { zip } from './zip.ts';

/** `npm run build`: one CommonJS bundle per function (Node 20), and a deployable zip of it. */

/** How a function is bundled for FunctionGraph; benches and tests that stand in for a deployment reuse it. */
export const FUNCTION_BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
} as const satisfies BuildOptions;

export interface BuiltFunction {
  readonly name: string;
  readonly bundle: string;
  readonly zip: string;
  readonly bytes: number;
  readonly zipBytes: number;
}

export async function buildFunctions(root: string, outDir = join(root, 'dist')): Promise<BuiltFunction[]> {
  const service = loadServerless(join(root, 'serverless.yml'));
  rmSync(outDir, { recursive: true, force: true });
  const built: BuiltFunction[] = [];
  for (const name of Object.keys(service.functions)) {
    const bundle = join(outDir, name, 'index.js');
    mkdirSync(dirname(bundle), { recursive: true });
    await build({ ...FUNCTION_BUNDLE_OPTIONS, entryPoints: [join(root, sourceOf(name))], outfile: bundle });
    const code = readFileSync(bundle);
    const archive = zip([{ name: 'index.js', data: code }]);
    const zipPath = join(outDir, `${name}.zip`);
    writeFileSync(zipPath, archive);
    built.push({ name, bundle, zip: zipPath, bytes: code.length, zipBytes: archive.length });
  }
  return built;
}
