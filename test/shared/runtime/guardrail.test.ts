import { describe, expect, it } from 'vitest';
import { KmsApi } from '../../../shared/hwc/kms.ts';
import { guardrail } from '../../../shared/runtime/guardrail.ts';
import type { GuardrailRun } from '../../../shared/runtime/guardrail.ts';
import type { FunctionReport } from '../../../shared/runtime/report.ts';
import { apigBody, apigEvent, timerEvent } from '../../support/functions.ts';

/**
 * The harness's deadline, with runs of our own making: one that heeds the run's signal, one that ignores it
 * (middy's early timeout answers for it), and one that calls the cloud after the deadline (nothing is sent).
 */

// Nothing listens here: a call that were sent would fail as a network error, not as the deadline.
const ENV = {
  HUAWEICLOUD_REGION: 'cn-north-4',
  HUAWEICLOUD_SDK_PROJECT_ID: '0b3e1f0c5a8d4f6e9c2a7d1b4e6f8a90',
  HUAWEICLOUD_SDK_AK: 'AKTESTDEADLINE0000',
  HUAWEICLOUD_SDK_SK: 'sk-test-deadline-0000000000',
  HUAWEICLOUD_ENDPOINT_URL: 'http://127.0.0.1:1',
  WARDEN_WEBHOOK_AUTH: 'none',
};

/** A FunctionGraph context (`getRemainingTimeInMilliSeconds`, not AWS's name) with `ms` left from now. */
function fgContextEnding(ms: number): Record<string, unknown> {
  const end = Date.now() + ms;
  return { getRequestID: () => 'req-deadline', getRemainingTimeInMilliSeconds: () => end - Date.now(), getUserData: () => undefined };
}

function handlerWith(run: (r: GuardrailRun) => Promise<void>, logs: string[] = []) {
  return guardrail({ name: 'deadline-test', traceNames: [], run }, { env: ENV, safetyMarginMs: 200, logSink: (line) => logs.push(line) }) as unknown as (
    event: unknown,
    context: unknown,
  ) => Promise<unknown>;
}

const never = () => new Promise<void>(() => undefined);
const untilAborted = (signal: AbortSignal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));

describe.concurrent('guardrail: a run that ignores its deadline', () => {
  it('still answers a webhook before the platform limit, with middy\'s 504 (its early timeout arms under FunctionGraph)', async () => {
    const handler = handlerWith(never);
    const response = (await handler(apigEvent({}, { signature: null }), fgContextEnding(400))) as { statusCode: number };
    expect(response.statusCode).toBe(504);
    expect(apigBody(response)).toEqual({ error: { code: 'timeout', message: 'the function ran out of time' } });
  });

  it('fails a TIMER invocation with a timeout before the platform limit, rather than being killed', async () => {
    const handler = handlerWith(never);
    await expect(handler(timerEvent(), fgContextEnding(400))).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});

describe.concurrent('guardrail: a run that heeds its deadline', () => {
  it('gets the signal, is told it is out of time, and returns its report', async () => {
    const logs: string[] = [];
    const seen: boolean[] = [];
    const handler = handlerWith(async (r) => {
      seen.push(r.outOfTime());
      await untilAborted(r.signal);
      seen.push(r.outOfTime());
      r.report.deferred('work', 'rest', 'out of time: left for the next run');
    }, logs);
    const report = (await handler(timerEvent(), fgContextEnding(400))) as FunctionReport;
    expect(seen).toEqual([false, true]);
    expect(report.actions).toEqual([{ kind: 'work', target: 'rest', status: 'deferred', reason: 'out of time: left for the next run' }]);
    expect(logs.some((line) => line.includes('deadline reached'))).toBe(true);
  });

  it('sends no cloud call after the deadline, attached services included: the run is deferred, not failed', async () => {
    const handler = handlerWith(async (r) => {
      await untilAborted(r.signal);
      await r.cloud.use(KmsApi).listKeyDetail({ key_id: 'aaaaaaaa-0000-4000-8000-000000000001' });
    });
    const report = (await handler(timerEvent(), fgContextEnding(400))) as FunctionReport;
    expect(report.actions).toEqual([
      { kind: 'sweep', target: 'kms.listKeyDetail', status: 'deferred', reason: 'WARDEN.DEADLINE: the deadline had passed: the call was not sent; the next run checks' },
    ]);
  });

  it('refuses a nonsensical margin', () => {
    expect(() => guardrail({ name: 'x', traceNames: [], run: never }, { env: ENV, safetyMarginMs: -1 })).toThrow(/safetyMarginMs/);
  });
});
