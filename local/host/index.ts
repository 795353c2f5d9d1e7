/** The local host: serverless.yml's functions with their APIG, TIMER and CTS triggers, and the status page. */

export { startHost } from './host.ts';
export type { Host, HostOptions } from './host.ts';
export type { HostEvent, HostListener, InvocationRecord, Outcome, TargetHistory, TriggerType } from './journal.ts';
export type { StatusSnapshot } from './status.ts';
export { demoFixture, demoKeyId } from './demo-fixture.ts';
export { liveLog } from './live-log.ts';
export { parseCron, nextCronTime, CronError } from './cron.ts';
export { parseSchedule, parseRate, nextFire, ScheduleError } from './schedule.ts';
export { start, START_OPTIONS } from './start.ts';
export { signedCurl, webhookSecretVariable } from './webhook-secrets.ts';
export type { WebhookSecret, WebhookSecretSource } from './webhook-secrets.ts';
