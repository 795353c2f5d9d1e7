import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_IDS } from '../../../local/cloud/index.ts';
import type { LocalCloud } from '../../../local/cloud/index.ts';
import type { HuaweiCloud } from '../../../shared/hwc/index.ts';
import { loadPolicy } from '../../../shared/policy.ts';
import { createLogger } from '../../../shared/runtime/logger.ts';
import { SMN_MAX_MESSAGE_BYTES, SMN_MAX_SUBJECT_BYTES } from '../../../shared/hwc/smn.ts';
import { notify, summarize } from '../../../shared/runtime/notify.ts';
import { ReportBuilder } from '../../../shared/runtime/report.ts';
import { clientFor, startTestCloud } from '../hwc/support.ts';

let cloud: LocalCloud;
let hwc: HuaweiCloud;
beforeAll(async () => {
  cloud = await startTestCloud();
  hwc = clientFor(cloud);
});
afterAll(async () => {
  await hwc.close();
  await cloud.close();
});
beforeEach(() => cloud.reset());

const logs: string[] = [];
const log = createLogger({ function: 'prune-orphan-events', sink: (line) => logs.push(line) });
const policy = () => loadPolicy({ env: { WARDEN_SMN_TOPIC_URN: `urn:smn:${cloud.identity.region}:${cloud.identity.projectId}:${DEFAULT_IDS.topic}` } });
const published = () => {
  expect(cloud.state.messages).toHaveLength(1);
  return cloud.state.messages[0]!;
};

describe('the SMN summary', () => {
  it('of a run too large for one message is shortened by whole lines, failures first, never dropped', async () => {
    const report = new ReportBuilder('prune-orphan-events', 'timer', false);
    const reason = `orphaned for 40 days; no secret references it; ${'详细'.repeat(30)}`;
    for (let i = 0; i < 4_000; i++) report.applied('delete-event', `event-${String(i).padStart(5, '0')}`, reason);
    for (let i = 0; i < 3; i++) report.failed('delete-event', `stuck-${i}`, 'CSMS.0401: the event is referenced');

    await notify(hwc, policy(), report.build(), log);

    const { subject, message } = published();
    expect(subject).toBe('hwc-warden prune-orphan-events: 4000 applied, 0 planned, 3 failed');
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(SMN_MAX_MESSAGE_BYTES);
    const lines = message.split('\n');
    expect(lines[0]).toBe('prune-orphan-events (timer)');
    expect(lines.slice(1, 4)).toEqual([0, 1, 2].map((i) => `failed delete-event stuck-${i} (CSMS.0401: the event is referenced)`));
    const listed = lines.slice(4, -1);
    expect(listed.length).toBeGreaterThan(900);
    // Whole lines, in order, and the rest counted.
    expect(listed).toEqual(listed.map((_, i) => `applied delete-event event-${String(i).padStart(5, '0')} (${reason})`));
    const more = 4_000 - listed.length;
    expect(lines.at(-1)).toBe(`… and ${more.toLocaleString('en-US')} more (every action is in the function's log)`);
    expect(logs.some((line) => JSON.parse(line).message === 'SMN summary shortened to fit')).toBe(true);
  });

  it('escapes control characters, ANSI escapes and bidi overrides from cloud- or caller-given text', async () => {
    const report = new ReportBuilder('tag-new-keys', 'cts', false);
    report.failed('tag', 'alias\u001b[31mred\u001b[0m\r\nfake line\u0007\u0000', 'KMS.0205: trace \u202egnp.exe\u202c\u009b2J');

    await notify(hwc, policy(), report.build(), log);

    const { message } = published();
    expect(message.split('\n')).toEqual([
      'tag-new-keys (cts)',
      'failed tag alias\\u001b[31mred\\u001b[0m\\u000d\\u000afake line\\u0007\\u0000 (KMS.0205: trace \\u202egnp.exe\\u202c\\u009b2J)',
    ]);
    expect(message).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
  });

  it('keeps the subject within SMN\'s 512 bytes and one huge reason from pushing every other action out', () => {
    const report = new ReportBuilder('密'.repeat(300), 'timer', true);
    report.failed('sweep', 'kms.listKeys', `KMS.0001: ${'x'.repeat(400_000)}`);
    report.applied('tag', 'k-1');
    const { subject, message, listed } = summarize(report.build());
    expect(Buffer.byteLength(subject)).toBeLessThanOrEqual(SMN_MAX_SUBJECT_BYTES);
    expect(subject.endsWith('…')).toBe(true);
    expect(listed).toBe(2);
    const lines = message.split('\n');
    expect(lines[0]).toMatch(/\(timer, dry run\)$/);
    expect(lines[1]).toMatch(/^failed sweep kms\.listKeys \(KMS\.0001: x+…$/);
    expect(lines[2]).toBe('applied tag k-1');
  });
});
