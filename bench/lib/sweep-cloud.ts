/**
 * The local cloud for the sweep benchmark, in its own process: 50,000 keys (or `--keys N`) and a fixed latency
 * per API call. Prints `{ url, identity }`; answers `stats` on stdin with its per-operation call counts and
 * `reset` by going back to its starting state.
 */
import { createInterface } from 'node:readline';
import { defaultFixture, startCloud } from '../../local/cloud/index.ts';
import type { Fixture, FixtureKey } from '../../local/cloud/index.ts';

export interface SweepScenario {
  readonly keys: number;
  /** Every `untaggedEvery`-th key lacks the policy tag (tag-new-keys has work to do on it). */
  readonly untaggedEvery: number;
  /** Every `pendingEvery`-th key is pending deletion; every other one of those carries the protect tag. */
  readonly pendingEvery: number;
}

export const SCENARIO: SweepScenario = { keys: 50_000, untaggedEvery: 10, pendingEvery: 50 };
export const POLICY_TAG = { key: 'team', value: 'platform' };

export function sweepFixture(scenario: SweepScenario): Fixture {
  const base = defaultFixture();
  const keys: FixtureKey[] = [];
  for (let i = 0; i < scenario.keys; i++) {
    const hex = i.toString(16).padStart(12, '0');
    const pending = i % scenario.pendingEvery === scenario.pendingEvery - 1;
    const tags: Record<string, string> = {};
    if (i % scenario.untaggedEvery !== 0) tags[POLICY_TAG.key] = POLICY_TAG.value;
    if (pending && (i / scenario.pendingEvery) % 2 < 1) tags['deletion-protection'] = 'true';
    keys.push({
      key_id: `00000000-0000-4000-8000-${hex}`,
      key_alias: `bench/key-${i}`,
      key_description: 'bench',
      key_state: pending ? '4' : '2',
      tags,
    });
  }
  return { ...base, keys, secrets: [], events: [] };
}

if (process.argv[1]?.endsWith('sweep-cloud.ts')) {
  const latencyMs = Number(process.argv[2] ?? 20);
  const fixture = sweepFixture(SCENARIO);
  const cloud = await startCloud({ port: 0, fixture, faults: { latencyMs } });
  process.stdout.write(`${JSON.stringify({ url: cloud.url, identity: cloud.identity })}\n`);
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line === 'stats') process.stdout.write(`${JSON.stringify({ stats: cloud.stats, rss: process.resourceUsage().maxRSS })}\n`);
    if (line === 'reset') {
      cloud.reset();
      process.stdout.write(`${JSON.stringify({ reset: true })}\n`);
    }
  });
  lines.on('close', () => void cloud.close().then(() => process.exit(0)));
}
