import { describe, expect, it } from 'vitest';
import { decideReenable } from '../../../functions/lib/key-history.ts';
import type { Trace } from '../../../shared/hwc/cts.ts';

/** The re-enable decision from a key's audit trail (pure; the trail's reading is tested through the function). */

const T0 = Date.parse('2024-06-01T00:00:00.000Z');
const MIN = 60_000;
let n = 0;
function trace(trace_name: string, minute: number, more: Partial<Trace> = {}): Trace {
  return { trace_id: `t-${++n}`, trace_name, time: T0 + minute * MIN, code: '200', user: { name: 'alice' }, request: {}, ...more };
}
const at = (minute: number) => new Date(T0 + minute * MIN).toISOString();

describe('decideReenable', () => {
  it.each([
    ['a KMS-generated key, created enabled', [trace('createKey', 1)], 'enable', `enabled before its deletion was scheduled (createKey by alice at ${at(1)})`],
    ['a key enabled again after a disable', [trace('createKey', 1), trace('disableKey', 2), trace('enableKey', 3)], 'enable', `(enableKey by alice at ${at(3)})`],
    ['a key whose imported material made it usable', [trace('createKey', 1, { request: { origin: 'external' } }), trace('importKeyMaterial', 2)], 'enable', '(importKeyMaterial by alice'],
    ['a key disabled on purpose', [trace('createKey', 1), trace('disableKey', 2)], 'leave', `disabled before its deletion was scheduled (disableKey by alice at ${at(2)}): left disabled`],
    ['a key an earlier cancel left disabled', [trace('enableKey', 1), trace('scheduleKeyDeletion', 2), trace('cancelKeyDeletion', 3)], 'leave', '(cancelKeyDeletion by alice'],
    ['a key waiting for its material', [trace('createKey', 1, { request: { origin: 'external' } })], 'leave', 'waiting for key material before its deletion was scheduled'],
    ['a key whose material was deleted', [trace('enableKey', 1), trace('deleteImportedKeyMaterial', 2)], 'leave', 'waiting for key material'],
    ['a key whose enable failed (400): it stayed disabled', [trace('disableKey', 1), trace('enableKey', 2, { code: '400' })], 'leave', '(disableKey by alice'],
  ] as const)('%s', (_, history, kind, reason) => {
    const decision = decideReenable([...history, trace('scheduleKeyDeletion', 10)]);
    expect(decision.kind).toBe(kind);
    expect(decision.reason).toContain(reason);
  });

  it('reads the last scheduling, whatever order the traces come in', () => {
    const history = [trace('scheduleKeyDeletion', 3), trace('enableKey', 1), trace('cancelKeyDeletion', 4), trace('enableKey', 13), trace('scheduleKeyDeletion', 14)];
    expect(decideReenable(history.reverse()).kind).toBe('enable');
  });

  it('leaves a key someone enabled or disabled after the scheduling as it is', () => {
    const decision = decideReenable([trace('createKey', 1), trace('scheduleKeyDeletion', 2), trace('cancelKeyDeletion', 3), trace('disableKey', 4, { code: '400' }), trace('enableKey', 5), trace('disableKey', 6, { user: { name: 'bob' } })]);
    expect(decision).toEqual({ kind: 'leave', reason: `disableKey by bob at ${at(6)}, after its deletion was scheduled: left as it is` });
  });

  it('cannot tell, and says so, when the trail holds no scheduling or nothing before it', () => {
    expect(decideReenable([trace('createKey', 1)])).toEqual({
      kind: 'leave',
      reason: 'cannot tell whether the key was enabled before its deletion was scheduled: CTS shows no scheduleKeyDeletion of it in the 7 days it keeps; left disabled (enable it by hand if it should be in use)',
    });
    expect(decideReenable([trace('scheduleKeyDeletion', 5)]).reason).toBe(
      `cannot tell whether the key was enabled before its deletion was scheduled: CTS keeps 7 days and shows no state change of it before scheduleKeyDeletion by alice at ${at(5)}; left disabled (enable it by hand if it should be in use)`,
    );
  });

  it('cannot order traces of one millisecond', () => {
    expect(decideReenable([trace('disableKey', 5), trace('scheduleKeyDeletion', 5)]).reason).toContain('has the same time as the scheduling');
    expect(decideReenable([trace('disableKey', 4), trace('enableKey', 4), trace('scheduleKeyDeletion', 5)]).reason).toContain('have the same time');
    expect(decideReenable([trace('enableKey', 4), trace('enableKey', 4), trace('scheduleKeyDeletion', 5)]).kind).toBe('enable');
  });

  it('fails on a trace it cannot read: no HTTP status, no usable time, a createKey without its request or with an unknown origin', () => {
    for (const [odd, problem] of [
      [trace('enableKey', 1, { code: undefined }), 'has no HTTP status'],
      [trace('enableKey', 1, { code: 'OK' }), 'has no HTTP status'],
      [trace('enableKey', 1, { time: Number.NaN }), 'has no usable time'],
      [trace('createKey', 1, { request: undefined }), 'shows no request'],
      [trace('createKey', 1, { request: { origin: 'hsm' } }), 'names an unknown origin "hsm"'],
    ] as const) {
      const decision = decideReenable([odd, trace('scheduleKeyDeletion', 10)]);
      expect(decision.kind).toBe('fail');
      expect(decision.reason).toMatch(new RegExp(`WARDEN.INVALID_RESPONSE: cts.listTraces trace t-\\d+ \\(\\w+\\) ${problem.replace(/[()]/g, '\\$&')}`));
    }
  });

  it('when a scheduling started the run: that one, and asks again later while the trail does not show it', () => {
    const scheduled = trace('scheduleKeyDeletion', 10);
    const history = [trace('disableKey', 1), trace('enableKey', 2), scheduled];
    expect(decideReenable(history, { traceId: scheduled.trace_id, time: scheduled.time }).kind).toBe('enable');
    expect(decideReenable(history, { traceId: 'elsewhere', time: scheduled.time }).kind).toBe('enable'); // the same, forwarded by a webhook
    expect(decideReenable(history.slice(0, 2), { traceId: scheduled.trace_id, time: scheduled.time })).toEqual({
      kind: 'retry',
      reason: `cannot tell whether the key was enabled before its deletion was scheduled: CTS does not show yet the scheduleKeyDeletion trace ${scheduled.trace_id} that started this run (the next sweep asks again)`,
    });
  });
});
