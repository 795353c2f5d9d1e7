/**
 * `warden deploy` of the repository's four functions into the embedded cloud, every API call delayed by
 * LATENCY_MS (a region's round trip): a first deploy, an unchanged redeploy, and a redeploy after one
 * function's code changed. Counted: API calls (reads and writes) as the cloud received them; timed: the
 * command's wall time, the build left out (built once, beforehand, as `npm run build` builds it).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deployCli } from '../cli/deploy.ts';
import { buildFunctions } from '../deploy/build.ts';
import type { DesiredOptions } from '../deploy/desired.ts';
import { unzip, zip } from '../deploy/zip.ts';
import { startCloud } from '../local/cloud/index.ts';
import type { LocalCloud } from '../local/cloud/index.ts';
import { rounds } from './lib/stats.ts';
import type { Figure } from './lib/stats.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LATENCY_MS = 20;
const WRITE = /^functiongraph\.(create|update|delete)/;

interface Measured {
  readonly ms: number;
  readonly reads: number;
  readonly writes: number;
}

async function deploy(cloud: LocalCloud, artifacts: DesiredOptions['artifacts']): Promise<Measured> {
  const before = { ...cloud.stats.byOperation };
  const { ak, sk, projectId } = cloud.identity;
  const env = { HUAWEICLOUD_SDK_AK: ak, HUAWEICLOUD_SDK_SK: sk, HUAWEICLOUD_REGION: 'cn-north-4', HUAWEICLOUD_SDK_PROJECT_ID: projectId, HUAWEICLOUD_ENDPOINT_URL: cloud.url };
  let errors = '';
  const started = performance.now();
  const code = await deployCli('deploy', ['--param', 'apigGroupId=9205f83fe721481eb490870d380cf31d'], { env, root: ROOT, stdout: () => {}, stderr: (t) => (errors += t), build: async () => artifacts });
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`deploy failed: ${errors}`);
  let reads = 0;
  let writes = 0;
  for (const [op, n] of Object.entries(cloud.stats.byOperation)) {
    const delta = n - (before[op] ?? 0);
    if (WRITE.test(op)) writes += delta;
    else reads += delta;
  }
  return { ms, reads, writes };
}

function withChangedCode(artifacts: DesiredOptions['artifacts'], name: string): DesiredOptions['artifacts'] {
  const entries = unzip(artifacts[name]!.zip).map((entry) => (entry.name === 'bundle.js' ? { ...entry, data: Buffer.concat([entry.data, Buffer.from('// changed\n')]) } : entry));
  return { ...artifacts, [name]: { zip: zip(entries) } };
}

export async function run(): Promise<Figure[]> {
  const outDir = mkdtempSync(join(tmpdir(), 'warden-bench-deploy-'));
  const buildStarted = performance.now();
  const built = await buildFunctions(ROOT, outDir);
  const buildMs = performance.now() - buildStarted;
  const artifacts = Object.fromEntries(built.map((fn) => [fn.name, { zip: readFileSync(fn.zip) }]));
  const changed = withChangedCode(artifacts, 'prune-orphan-events');
  const cloud = await startCloud({ port: 0, faults: { latencyMs: LATENCY_MS } });
  const first: Measured[] = [];
  const again: Measured[] = [];
  const oneChange: Measured[] = [];
  try {
    for (let i = 0; i < rounds(3); i++) {
      cloud.reset();
      first.push(await deploy(cloud, artifacts));
      again.push(await deploy(cloud, artifacts));
      oneChange.push(await deploy(cloud, changed));
    }
  } finally {
    await cloud.close();
    rmSync(outDir, { recursive: true, force: true });
  }
  if (process.env.BENCH_VERBOSE) {
    const show = (label: string, m: Measured[]) => console.error(`deploy ${label}: ${m.map((x) => `${x.ms.toFixed(0)} ms, ${x.reads} reads + ${x.writes} writes`).join('; ')}`);
    show('first', first);
    show('unchanged', again);
    show('one code change', oneChange);
    console.error(`deploy: build ${buildMs.toFixed(0)} ms`);
  }
  const calls = (m: Measured) => m.reads + m.writes;
  return [
    { name: 'deploy: first deploy, API calls', values: first.map(calls), digits: 0, note: `${first[0]!.reads} reads + ${first[0]!.writes} writes (4 CreateFunction, 10 CreateFunctionTrigger)` },
    { name: 'deploy: unchanged redeploy, writes', values: again.map((m) => m.writes), goal: { op: '<=', value: 0 }, digits: 0, note: `${again[0]!.reads} reads (ListFunctions + ListFunctionTriggers × 4)` },
    { name: 'deploy: one function\'s code changed, writes', values: oneChange.map((m) => m.writes), goal: { op: '<=', value: 1 }, digits: 0, note: 'UpdateFunctionCode only' },
    { name: 'deploy: unchanged redeploy / first deploy (wall time)', values: first.map((m, i) => again[i]!.ms / m.ms), note: `${LATENCY_MS} ms a call; first deploy median ${median(first.map((m) => m.ms))} ms` },
    { name: 'deploy: one code change / first deploy (wall time)', values: first.map((m, i) => oneChange[i]!.ms / m.ms), note: `build (not timed above) ${buildMs.toFixed(0)} ms` },
  ];
}

function median(values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  return (sorted[sorted.length >> 1] ?? 0).toFixed(0);
}
