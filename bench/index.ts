/**
 * `npm run bench`: every benchmark, one after the other, and one table of ratios (min / median / max over
 * repeated rounds; each ratio against a baseline measured in the same round). `BENCH_ROUNDS=n` overrides
 * each benchmark's number of rounds; `BENCH_ONLY=signing,requests` runs some of them; `BENCH_VERBOSE=1` prints
 * absolute figures as they come.
 */
import { cpus } from 'node:os';
import { meets, table } from './lib/stats.ts';
import type { Figure } from './lib/stats.ts';

const benches: Record<string, () => Promise<{ run(): Promise<Figure[]> }>> = {
  signing: () => import('./signing.bench.ts'),
  requests: () => import('./requests.bench.ts'),
  'cold-start': () => import('./cold-start.bench.ts'),
  cloud: () => import('./cloud.bench.ts'),
  sweeps: () => import('./sweeps.bench.ts'),
  restorable: () => import('./restorable.bench.ts'),
  deploy: () => import('./deploy.bench.ts'),
  start: () => import('./start.bench.ts'),
};

const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim());
const figures: Figure[] = [];
console.log(`node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'})`);
for (const [name, load] of Object.entries(benches)) {
  if (only && !only.includes(name)) continue;
  const started = performance.now();
  const results = await (await load()).run();
  console.error(`${name}: ${((performance.now() - started) / 1000).toFixed(0)} s`);
  figures.push(...results);
}
console.log(table(figures));
const missed = figures.filter((figure) => meets(figure) === false);
console.log(missed.length === 0 ? '\nevery goal met' : `\n${missed.length} goal(s) missed: ${missed.map((f) => f.name).join('; ')}`);
process.exit(0);
