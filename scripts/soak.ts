/**
 * npm run soak: the long reliability run (not part of npm test). Prints the figures RELIABILITY.md records.
 *
 * 1. Convergence: tag, guard and prune sweeps under 30% faults (429/500/502/504/reset, before and after the
 *    change), 20 seeds, 5 attempts per call; then a harsh profile with 2 attempts per call.
 * 2. Hostile webhooks: 10,000 fuzzed APIG requests per function (40,000 in all).
 * 3. Hostile cloud answers: every hostile mode (pages smaller than asked, and each hostile kind under them) ×
 *    every sweep (tag, guard, prune, check) × 5 seeds, three runs each; a line per mode with its misses and
 *    wrong changes.
 *
 * Exits 1 when either profile, the fuzzing or the hostile answers find a problem (a miss, a wrong change, an
 * unclear error).
 * Options: SOAK_SEEDS (default 20), SOAK_FUZZ (per function, default 10000).
 */
import { fuzzFunctions } from '../test/reliability/hostile-webhooks.ts';
import { convergence, HOSTILE_MODES, HOSTILE_PAGE_CAP, HOSTILE_SCENARIOS, hostileRun, SCENARIOS } from '../test/reliability/support.ts';
import type { ConvergenceResult, HostileResult } from '../test/reliability/support.ts';

const SEEDS = Number(process.env['SOAK_SEEDS'] ?? 20);
const FUZZ = Number(process.env['SOAK_FUZZ'] ?? 10_000);
const started = Date.now();
let failed = false;

async function profile(label: string, attempts: number, mustPass: boolean): Promise<void> {
  const results: ConvergenceResult[] = [];
  for (const scenario of SCENARIOS) for (let seed = 1; seed <= SEEDS; seed++) results.push(await convergence(scenario, seed, attempts));
  const converged = results.filter((r) => r.converged).length;
  const faults = results.reduce((n, r) => n + r.faultsInjected, 0);
  const requests = results.reduce((n, r) => n + r.requests, 0);
  const failures = results.reduce((n, r) => n + r.failedReported, 0);
  console.log(`\n## convergence, ${label} (${attempts} attempts per call)`);
  for (const scenario of SCENARIOS) {
    const mine = results.filter((r) => r.scenario === scenario.name);
    const runs = mine.map((r) => r.runs);
    console.log(
      `${scenario.name.padEnd(6)} ${mine.filter((r) => r.converged).length}/${mine.length} converged; faults injected ${mine.reduce((n, r) => n + r.faultsInjected, 0)}` +
        ` of ${mine.reduce((n, r) => n + r.requests, 0)} requests; runs to settle ${Math.min(...runs)}–${Math.max(...runs)} (fault-free: ${mine[0]?.cleanRuns});` +
        ` failures reported ${mine.reduce((n, r) => n + r.failedReported, 0)}`,
    );
  }
  console.log(`total  ${converged}/${results.length} sweeps converged; ${faults} faults injected in ${requests} requests; ${failures} failures reported honestly`);
  for (const r of results.filter((x) => !x.converged)) console.log(`  NOT CONVERGED ${r.scenario} seed ${r.seed}: ${r.problems.filter((p) => !p.startsWith('end states')).slice(0, 3).join(' | ') || r.problems[0]?.slice(0, 200)}`);
  if (mustPass && converged !== results.length) failed = true;
}

await profile('standard', 5, true);
await profile('harsh', 2, true);

console.log(`\n## hostile webhooks (${FUZZ} per function)`);
const fuzz = await fuzzFunctions(20240601, FUZZ);
const fivexx = Object.entries(fuzz.byStatus).filter(([s]) => !/^4\d\d$/.test(s)).reduce((n, [, c]) => n + c, 0);
console.log(`cases ${fuzz.cases}; by status ${JSON.stringify(fuzz.byStatus)}; not 4xx ${fivexx}; problems ${fuzz.problems.length}; cloud requests ${fuzz.cloudRequests}; state changed ${fuzz.stateChanged}`);
console.log(`by category ${JSON.stringify(fuzz.byCategory)}`);
for (const p of fuzz.problems.slice(0, 10)) console.log(`  PROBLEM ${p}`);
if (fuzz.problems.length > 0 || fuzz.cloudRequests > 0 || fuzz.stateChanged || fivexx > 0) failed = true;

const HOSTILE_SEEDS = 5;
console.log(`\n## hostile cloud answers (30% of calls, before and after the change; pages of at most ${HOSTILE_PAGE_CAP}; ${HOSTILE_SEEDS} seeds × 3 runs)`);
console.log('mode                 runs  injected  failures  misses  wrong changes  unclear');
const all: HostileResult[] = [];
for (const mode of HOSTILE_MODES) {
  const mine: HostileResult[] = [];
  for (const scenario of HOSTILE_SCENARIOS) for (let seed = 1; seed <= HOSTILE_SEEDS; seed++) mine.push(await hostileRun(scenario, mode, seed));
  all.push(...mine);
  const sum = (count: (r: HostileResult) => number) => mine.reduce((n, r) => n + count(r), 0);
  console.log(
    `${mode.padEnd(20)} ${String(sum((r) => r.runs)).padStart(4)}  ${String(sum((r) => r.injected)).padStart(8)}  ${String(sum((r) => r.failures)).padStart(8)}` +
      `  ${String(sum((r) => r.misses.length)).padStart(6)}  ${String(sum((r) => r.wrongChanges.length)).padStart(13)}  ${String(sum((r) => r.unclear.length)).padStart(7)}`,
  );
}
const total = (count: (r: HostileResult) => number) => all.reduce((n, r) => n + count(r), 0);
console.log(
  `total: ${total((r) => r.runs)} runs (${HOSTILE_MODES.length} modes × ${HOSTILE_SCENARIOS.length} sweeps × ${HOSTILE_SEEDS} seeds × 3); hostile answers injected ${total((r) => r.injected)};` +
    ` failures reported ${total((r) => r.failures)}; wrong actions ${total((r) => r.misses.length + r.wrongChanges.length)} (misses ${total((r) => r.misses.length)}, wrong changes ${total((r) => r.wrongChanges.length)}); unclear errors ${total((r) => r.unclear.length)}`,
);
for (const r of all) {
  for (const m of r.misses.slice(0, 3)) console.log(`  MISS ${r.scenario}/${r.mode}: ${m}`);
  for (const w of r.wrongChanges.slice(0, 3)) console.log(`  WRONG CHANGE ${r.scenario}/${r.mode}: ${w}`);
  for (const u of r.unclear.slice(0, 2)) console.log(`  UNCLEAR ${r.scenario}/${r.mode}: ${u}`);
}
if (all.some((r) => r.misses.length > 0 || r.wrongChanges.length > 0 || r.unclear.length > 0)) failed = true;

console.log(`\nsoak finished in ${((Date.now() - started) / 1000).toFixed(1)} s: ${failed ? 'PROBLEMS FOUND' : 'all clear'}`);
process.exit(failed ? 1 : 0);
