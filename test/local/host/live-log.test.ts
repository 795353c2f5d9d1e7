import { describe, expect, it } from 'vitest';
import { liveLog } from '../../../local/host/index.ts';
import type { InvocationRecord } from '../../../local/host/index.ts';

/** The live log `warden start` prints, from host events (no colour: as piped). */

function record(fields: Partial<InvocationRecord>): InvocationRecord {
  return { id: 1, requestId: 'r', function: 'tag-new-keys', trigger: 'cts', source: 'KMS:cmk:createKey app/x by alice', started: new Date().toISOString(), outcome: 'ok', actions: [], durationMs: 12, ...fields };
}

function print(event: Parameters<ReturnType<typeof liveLog>>[0], options: { maxActions?: number } = {}): string[] {
  let out = '';
  liveLog({ write: (text) => (out += text), nameWidth: 12, label: (id) => (id === 'k-123456789' ? 'app/x' : undefined), ...options })(event);
  return out.trimEnd().split('\n').map((line) => line.replace(/^\d\d:\d\d:\d\d /, ''));
}

describe('live log', () => {
  it('prints what fired a run, one line per action (targets by name), and a summary', () => {
    const lines = print({
      type: 'finished',
      record: record({
        actions: [
          { kind: 'tag', target: 'k-123456789', status: 'applied', reason: 'created-by=alice' },
          { kind: 'describe', target: 'other', status: 'skipped', reason: 'has one' },
        ],
        counts: { applied: 1, planned: 0, skipped: 1, failed: 0, deferred: 0 },
      }),
    });
    expect(lines).toEqual([
      'tag-new-keys cts    KMS:cmk:createKey app/x by alice',
      'tag-new-keys cts      applied  tag       app/x (k-123456…)  created-by=alice',
      'tag-new-keys cts      skipped  describe  other  has one',
      'tag-new-keys cts    ✔ ok: 1 applied · 1 skipped in 12 ms',
    ]);
  });

  it('prints a run without actions on one line, with why it was rejected or ignored', () => {
    expect(print({ type: 'finished', record: record({ trigger: 'apig', source: 'POST /warden/x', outcome: 'rejected', statusCode: 401, note: 'missing X-Warden-Signature header' }) })).toEqual([
      'tag-new-keys apig   POST /warden/x  ⊘ rejected 401: missing X-Warden-Signature header in 12 ms',
    ]);
    expect(print({ type: 'finished', record: record({ trigger: 'timer', source: 'sweep (every 1h)' }) })).toEqual(['tag-new-keys timer  sweep (every 1h)  ✔ ok: nothing to do in 12 ms']);
  });

  it('caps the actions listed per run, and reports skipped ticks', () => {
    const actions = Array.from({ length: 5 }, (_, i) => ({ kind: 'tag', target: `k${i}`, status: 'applied' as const }));
    const lines = print({ type: 'finished', record: record({ actions, counts: { applied: 5 } }) }, { maxActions: 2 });
    expect(lines).toHaveLength(5);
    expect(lines[3]).toBe('tag-new-keys cts      … and 3 more (see the status page)');
    expect(print({ type: 'skipped', function: 'slow', trigger: 'timer', source: 'slow-tick', reason: 'tick skipped: busy' })).toEqual(['slow         timer  ⏭ slow-tick: tick skipped: busy']);
    expect(print({ type: 'started', record: record({ outcome: 'running' }) })).toEqual(['']);
  });

  it('escapes control characters, ANSI escapes and bidi overrides in aliases, event names, trace sources and reasons', () => {
    const evil = 'x\u001b[31mred\u001b[0m\r\u0007\u0000\u202etxt.exe';
    let out = '';
    const log = liveLog({ write: (text) => (out += text), nameWidth: 12, color: true, label: (id) => (id === 'k-1' ? `alias/${evil}` : undefined) });
    log({
      type: 'finished',
      record: record({
        source: `KMS:cmk:createKey ${evil} by trace-\u001b]0;title\u0007`,
        note: `note ${evil}`,
        actions: [
          { kind: 'tag', target: 'k-1', status: 'applied', reason: `reason ${evil}` },
          { kind: 'delete-event', target: `event\n${evil}`, status: 'failed', reason: 'CSMS.0401' },
        ],
        counts: { applied: 1, failed: 1 },
      }),
    });
    log({ type: 'skipped', function: 'prune', trigger: 'cts', source: `trace ${evil}`, reason: `loop guard ${evil}` });
    // Our own colours are the only escapes left; what came from outside reads as text.
    const withoutOurColours = out.replace(/\u001b\[(?:0|1|2|3[1-6])m/g, '');
    expect(withoutOurColours).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(out.split('\n')).toHaveLength(6); // four lines for the run, one for the skip, and the last newline
    expect(out).toContain('alias/x\\u001b[31mred\\u001b[0m\\u000d\\u0007\\u0000\\u202etxt.exe');
    expect(out).toContain('event\\u000ax\\u001b[31m');
    expect(out).toContain('trace-\\u001b]0;title\\u0007');
  });
});
