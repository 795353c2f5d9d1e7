import { describe, expect, it } from 'vitest';
import { HwcError, LocalErrorCode } from '../../../shared/hwc/errors.ts';
import { ACTION_STATUSES, buildReport, countActions, failureReason, ignoredResult, isIgnoredResult, ReportBuilder } from '../../../shared/runtime/report.ts';
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

describe('report, given the run\'s deadline', () => {
  const cut = new HwcError({ operation: 'kms.cancelKeyDeletion', status: 0, errorCode: LocalErrorCode.deadline, errorMsg: 'the deadline cut the call before its answer came: a change it carried may or may not have been made' });
  const refused = new HwcError({ operation: 'kms.cancelKeyDeletion', status: 403, errorCode: 'KMS.0303', errorMsg: 'forbidden' });

  it('reports a failure the deadline caused as deferred, saying the next run checks; other failures stay failed', () => {
    const deadline = new AbortController();
    const report = new ReportBuilder('guard-key-deletion', 'timer', false, deadline.signal);
    deadline.abort();
    report.failed('cancel-deletion', 'k1', failureReason(cut));
    report.failed('cancel-deletion', 'k2', `cannot tell whether a secret uses the key: ${failureReason(cut)}`);
    report.add({ kind: 'delete-event', target: 'e1', status: 'failed', reason: failureReason(cut) });
    report.failed('cancel-deletion', 'k3', failureReason(refused));
    expect(report.build().actions).toEqual([
      {
        kind: 'cancel-deletion',
        target: 'k1',
        status: 'deferred',
        reason: 'WARDEN.DEADLINE: the deadline cut the call before its answer came: a change it carried may or may not have been made; the next run checks',
      },
      { kind: 'cancel-deletion', target: 'k2', status: 'deferred', reason: expect.stringMatching(/^cannot tell whether a secret uses the key: WARDEN.DEADLINE: .*; the next run checks$/) },
      { kind: 'delete-event', target: 'e1', status: 'deferred', reason: expect.stringContaining('WARDEN.DEADLINE') },
      { kind: 'cancel-deletion', target: 'k3', status: 'failed', reason: 'KMS.0303: forbidden' },
    ]);
  });

  it('before the deadline has passed (or without one), a reason naming its code stays a failure', () => {
    const spoofed = failureReason(new HwcError({ operation: 'op', status: 400, errorCode: LocalErrorCode.deadline, errorMsg: 'from the cloud' }));
    const deadline = new AbortController();
    expect(new ReportBuilder('f', 'timer', false, deadline.signal).failed('k', 't', spoofed).build().counts.failed).toBe(1);
    expect(new ReportBuilder('f', 'timer', false).failed('k', 't', failureReason(cut)).build().counts.failed).toBe(1);
  });
});
