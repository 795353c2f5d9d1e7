/** Takes its time: `?ms=` for APIG, `{"pause": ms}` in a TIMER's user_event. */
export const handler = async (event: Record<string, any>) => {
  const ms = event['trigger_type'] === 'TIMER' ? JSON.parse(event['user_event'] || '{}').pause ?? 0 : Number(event['queryStringParameters']?.ms ?? 0);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return event['trigger_type'] === 'TIMER'
    ? { function: 'slow', trigger: 'timer', dryRun: false, actions: [{ kind: 'wait', target: `${ms} ms`, status: 'applied' }], counts: { applied: 1 } }
    : { statusCode: 200, headers: {}, body: 'done' };
};
