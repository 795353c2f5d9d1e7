import { startCloud } from '../../local/cloud/index.ts';
import type { LocalCloud } from '../../local/cloud/index.ts';
import { FUZZ_CATEGORIES, fuzzCases } from './fuzz.ts';
import type { FuzzCategory } from './fuzz.ts';
import { context, createFunction, envFor, FUNCTION_NAMES, guardFixture, pruneFixture, snapshot, tagFixture, WEBHOOK_SECRET } from './support.ts';
import type { FunctionName } from './support.ts';

/** Throws fuzzed webhooks at every function's APIG entry and tallies the answers. Used by the test and the soak. */

export const FUZZ_MAX_BODY_BYTES = 8192;

export interface FuzzTally {
  cases: number;
  byStatus: Record<string, number>;
  byCategory: Partial<Record<FuzzCategory, number>>;
  /** Answers that were not a 4xx with `{"error":{"code","message"}}`, or that threw: described. */
  problems: string[];
  /** API calls the cloud received during the fuzzing (must be 0). */
  cloudRequests: number;
  stateChanged: boolean;
}

export async function fuzzFunctions(seed: number, casesPerFunction: number, names: readonly FunctionName[] = FUNCTION_NAMES): Promise<FuzzTally> {
  const tally: FuzzTally = { cases: 0, byStatus: {}, byCategory: {}, problems: [], cloudRequests: 0, stateChanged: false };
  const fixture = { ...tagFixture(), keys: [...(tagFixture().keys ?? []), ...(guardFixture().keys ?? [])], secrets: guardFixture().secrets, events: pruneFixture().events };
  const cloud: LocalCloud = await startCloud({ port: 0, fixture });
  const before = JSON.stringify(snapshot(cloud));
  const logs: string[] = [];
  try {
    for (const [n, name] of names.entries()) {
      const handler = createFunction(name, {
        env: envFor(cloud, { WARDEN_MAX_BODY_BYTES: String(FUZZ_MAX_BODY_BYTES), WARDEN_KEY_TAGS: '{"team":"payments"}', WARDEN_PROTECT_ALIASES: 'prod-*' }),
        logSink: (line) => logs.push(line),
      });
      const now = Math.floor(Date.now() / 1000);
      for (const c of fuzzCases(seed * 1000 + n, casesPerFunction, { secret: WEBHOOK_SECRET, maxBytes: FUZZ_MAX_BODY_BYTES, now })) {
        const sendings = c.first ? [c.first, c.event] : [c.event];
        for (const event of sendings) {
          tally.cases++;
          tally.byCategory[c.category] = (tally.byCategory[c.category] ?? 0) + 1;
          let status = 'threw';
          try {
            const answer = (await handler(event, context())) as { statusCode?: unknown; body?: unknown };
            status = String(answer?.statusCode ?? 'no status');
            const body = typeof answer?.body === 'string' ? (JSON.parse(answer.body) as { error?: { code?: unknown; message?: unknown } }) : undefined;
            const good = typeof answer?.statusCode === 'number' && answer.statusCode >= 400 && answer.statusCode < 500;
            const clear = typeof body?.error?.code === 'string' && typeof body.error.message === 'string' && body.error.message.length > 0;
            if (!good || !clear) tally.problems.push(`${name} ${c.category}: ${status} ${String(answer?.body).slice(0, 200)}`);
          } catch (error) {
            tally.problems.push(`${name} ${c.category}: threw ${(error as Error).message}`);
          }
          tally.byStatus[status] = (tally.byStatus[status] ?? 0) + 1;
        }
      }
    }
    tally.cloudRequests = cloud.stats.requests;
    tally.stateChanged = JSON.stringify(snapshot(cloud)) !== before;
    return tally;
  } finally {
    await cloud.close();
  }
}

export { FUZZ_CATEGORIES };
