/**
 * One TIMER sweep of one function, in its own process (so its peak RSS is its own):
 * `tsx bench/lib/sweep-run.ts <function> <cloud url> <identity json> <concurrency>`. Prints `{ ms, rss, counts }`.
 */
const [name, url, identityJson, concurrency] = process.argv.slice(2) as [string, string, string, string];
const identity = JSON.parse(identityJson) as { region: string; projectId: string; ak: string; sk: string };
const module = (await import(`../../functions/${name}.ts`)) as {
  createHandler(options: { env: Record<string, string>; logSink?: (line: string) => void }): (event: unknown, context: unknown) => Promise<unknown>;
};
const env: Record<string, string> = {
  HUAWEICLOUD_REGION: identity.region,
  HUAWEICLOUD_SDK_PROJECT_ID: identity.projectId,
  HUAWEICLOUD_SDK_AK: identity.ak,
  HUAWEICLOUD_SDK_SK: identity.sk,
  HUAWEICLOUD_ENDPOINT_URL: url,
  WARDEN_CONCURRENCY: concurrency,
  WARDEN_KEY_TAGS: JSON.stringify({ team: 'platform' }),
  WARDEN_PROTECT_IN_USE: 'false',
};
let lines = 0;
const handler = module.createHandler({ env, logSink: () => void lines++ });
const context = {
  getRequestID: () => 'bench',
  getRemainingTimeInMilliSeconds: () => 3_600_000,
  getUserData: () => undefined,
  getFunctionName: () => name,
};
const event = { version: 'v1.0', time: new Date().toISOString(), trigger_type: 'TIMER', trigger_name: 'sweep', user_event: '' };
const start = performance.now();
const report = (await handler(event, context)) as { counts?: Record<string, number> };
const ms = performance.now() - start;
process.stdout.write(`${JSON.stringify({ ms, rss: process.resourceUsage().maxRSS, counts: report.counts, lines })}\n`);
process.exit(0);
