// One TIMER sweep of one function's deployable bundle, under plain Node (as FunctionGraph runs it), in its own
// process so its peak RSS is its own: `node sweep-run.cjs <bundle> <cloud url> <identity json> <concurrency>`.
// Prints `{ ms, rss, counts, lines }`.
'use strict';
const [bundle, url, identityJson, concurrency] = process.argv.slice(2);
const identity = JSON.parse(identityJson);
const env = {
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
const handler = require(bundle).createHandler({ env, logSink: () => void lines++ });
const context = {
  getRequestID: () => 'bench',
  getRemainingTimeInMilliSeconds: () => 3_600_000,
  getUserData: () => undefined,
  getFunctionName: () => 'bench',
};
const event = { version: 'v1.0', time: new Date().toISOString(), trigger_type: 'TIMER', trigger_name: 'sweep', user_event: '' };
const start = performance.now();
handler(event, context).then((report) => {
  const ms = performance.now() - start;
  process.stdout.write(`${JSON.stringify({ ms, rss: process.resourceUsage().maxRSS, counts: report.counts, lines })}\n`);
  process.exit(0);
});
