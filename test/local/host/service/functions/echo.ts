/** Answers with what it was given: the event, the context's view of the invocation, and its WARDEN_* environment. */
export const handler = async (event: unknown, context: any) => {
  const env = process.env;
  if ((event as { trigger_type?: unknown }).trigger_type === 'TIMER') return { ok: true };
  const warden = Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith('WARDEN_FROM') || name === 'WARDEN_OVERRIDDEN'));
  const body = {
    event,
    context: {
      requestId: context.getRequestID(),
      remainingMs: context.getRemainingTimeInMilliSeconds(),
      functionName: context.getFunctionName(),
      userData: context.getUserData('WARDEN_FROM_USER_DATA'),
    },
    env: { ...warden, endpoint: env['HUAWEICLOUD_ENDPOINT_URL'], hasSecret: Boolean(env['WARDEN_WEBHOOK_SECRET']), accessKeyFromContext: Boolean(context.getSecurityAccessKey()), accessKeyInEnv: Boolean(env['HUAWEICLOUD_SDK_AK']), pid: process.pid },
  };
  return { statusCode: 200, headers: { 'content-type': 'application/json', 'x-echo': 'yes' }, body: JSON.stringify(body), isBase64Encoded: false };
};
