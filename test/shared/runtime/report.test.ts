import { describe, expect, it } from 'vitest';
import { ACTION_STATUSES, buildReport, countActions, ignoredResult, isIgnoredResult, ReportBuilder } from '../../../shared/runtime/report.ts';
import { registerSecret } from '../../../shared/runtime/redact.ts';

describe('report', () => {
  it('always has all five counts', () => {
    expect(countActions([])).toEqual({ applied: 0, planned: 0, skipped: 0, failed: 0, deferred: 0 });
    expect(Object.keys(countActions([])).sort()).toEqual([...ACTION_STATUSES].sort());
  });

  it('builds a report with tallies from the builder', () => {
    const report = new ReportBuilder('prune-orphan-events', 'timer', false)
      .applied('delete-event', 'ev-1')
      .applied('delete-event', 'ev-2')
      .skipped('delete-event', 'ev-3', 'within grace period')
      .failed('delete-event', 'ev-4', 'CSMS.0401 referenced by a secret')
      .deferred('delete-event', 'ev-5', 'over WARDEN_MAX_DELETIONS')
      .build();
    expect(report).toEqual({
      function: 'prune-orphan-events',
      trigger: 'timer',
      dryRun: false,
      actions: [
        { kind: 'delete-event', target: 'ev-1', status: 'applied' },
        { kind: 'delete-event', target: 'ev-2', status: 'applied' },
        { kind: 'delete-event', target: 'ev-3', status: 'skipped', reason: 'within grace period' },
        { kind: 'delete-event', target: 'ev-4', status: 'failed', reason: 'CSMS.0401 referenced by a secret' },
        { kind: 'delete-event', target: 'ev-5', status: 'deferred', reason: 'over WARDEN_MAX_DELETIONS' },
      ],
      counts: { applied: 2, planned: 0, skipped: 1, failed: 1, deferred: 1 },
    });
  });

  it('buildReport counts planned actions of a dry run', () => {
    const report = buildReport({
      function: 'tag-new-keys',
      trigger: 'cts',
      dryRun: true,
      actions: [
        { kind: 'tag', target: 'key-1', status: 'planned' },
        { kind: 'describe', target: 'key-1', status: 'planned' },
      ],
    });
    expect(report.counts).toEqual({ applied: 0, planned: 2, skipped: 0, failed: 0, deferred: 0 });
  });

  it('masks registered secrets in reasons', () => {
    registerSecret('report-secret-marker-1');
    const report = new ReportBuilder('f', 'apig', false).failed('tag', 'k', 'HTTP 401 with token report-secret-marker-1').build();
    expect(JSON.stringify(report)).not.toContain('report-secret-marker-1');
  });

  it('describes ignored events', () => {
    const result = ignoredResult('guard-key-deletion', 'cts', 'trace createKey is not handled');
    expect(result).toEqual({ function: 'guard-key-deletion', trigger: 'cts', ignored: true, reason: 'trace createKey is not handled' });
    expect(isIgnoredResult(result)).toBe(true);
    expect(isIgnoredResult(buildReport({ function: 'f', trigger: 'timer', dryRun: false, actions: [] }))).toBe(false);
  });
});
