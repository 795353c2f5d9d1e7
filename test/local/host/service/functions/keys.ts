/** Reports the CTS trace it was given, as a one-action report. */
export const handler = async (event: { cts: { trace_name: string; resource_id: string } }) => ({
  function: 'keys',
  trigger: 'cts',
  dryRun: false,
  actions: [{ kind: event.cts.trace_name, target: event.cts.resource_id, status: 'applied' }],
  counts: { applied: 1, planned: 0, skipped: 0, failed: 0, deferred: 0 },
});
