import { afterAll, describe, expect, it } from 'vitest';
import { demoFixture } from '../../../local/host/index.ts';
import { closeRigs, startRig, until } from './helpers.ts';

/** The status page's data: runs apart from refused requests, what makes this run differ, what was published. */

afterAll(closeRigs);

describe('the status snapshot', () => {
  it('counts refused webhook requests apart from runs, flags a dry run and a time scale, and shows the SMN notifications', async () => {
    const fixture = demoFixture();
    const topicUrn = `urn:smn:${fixture.region}:${fixture.users[0]!.projectId}:warden-alerts`;
    const rig = await startRig({ fixture, runAtStart: true, timeScale: 60, userEnv: { WARDEN_DRY_RUN: 'true', WARDEN_SMN_TOPIC_URN: topicUrn } });
    const { host } = rig;
    await until(rig, () => host.recent().filter((r) => r.trigger === 'timer' && r.outcome !== 'running').length === host.functions.length);
    const unsigned = await fetch(`${host.url}/warden/prune-orphan-events`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(unsigned.status).toBe(401);

    const status = host.status();
    const prune = status.functions.find((fn) => fn.name === 'prune-orphan-events')!;
    expect(prune.rejectedRequests).toBe(1);
    expect(prune.lastRun?.outcome).toBe('ok'); // its last run, not the request refused before it ran
    expect(status.notices).toEqual([
      'Dry run: WARDEN_DRY_RUN=true for every function; actions are planned and reported, nothing is changed.',
      'Time scale ×60: schedules run 60 times faster than serverless.yml says.',
    ]);
    expect(status.notifications.map((n) => n.topic)).toEqual(Array(host.functions.length).fill('warden-alerts'));
    expect(status.notifications.some((n) => /prune-orphan-events/.test(`${n.subject} ${n.message}`))).toBe(true);
  });
});
