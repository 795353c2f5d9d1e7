import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { invoke, localCloudEnv, readEvent } from '../../cli/invoke.ts';
import { defaultFixture, startCloud } from '../../local/cloud/index.ts';
import { warden } from './support.ts';

/** `warden invoke` and its neighbours as a newcomer meets them: what they print, and why they stop. */

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'warden-invoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('warden invoke, events that are not the function’s', () => {
  it('exits 1 saying why for an event matching none of its triggers, and runs nothing for another function’s', async () => {
    const empty = await warden('invoke', 'tag-new-keys', '--data', '{}', '--local');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/tag-new-keys did nothing with the event: unrecognised event shape\. Pass an event of one of its triggers \(npx warden events tag-new-keys\)/);
    const otherTrace = await warden('invoke', 'tag-new-keys', '--event', 'events/guard-key-deletion/cts.json', '--local');
    expect(otherTrace.code).toBe(1);
    expect(otherTrace.stderr).toMatch(/did nothing with the event: trace scheduleKeyDeletion is not one of createKey/);
    const otherRoute = await warden('invoke', 'tag-new-keys', '--event', 'events/check-restorable/apig.json', '--local');
    expect(otherRoute.code).toBe(1);
    expect(otherRoute.stdout).toBe('');
    expect(otherRoute.stderr).toMatch(/the event is a request to \/warden\/check-restorable; tag-new-keys's APIG route is \/warden\/tag-new-keys; nothing was run/);
    const otherTimer = await warden('invoke', 'tag-new-keys', '--event', 'events/guard-key-deletion/timer.json', '--local');
    expect(otherTimer.stderr).toMatch(/the event is from the timer "warden-guard-sweep"; tag-new-keys's timers are warden-tag-sweep/);
  });

  it('says what to pass when the event file is missing or a directory', async () => {
    expect(() => readEvent(join(dir, 'nope.json'))).toThrow(/cannot read the event file .*nope.json: there is no such file; pass a JSON event file .*--data/);
    expect(() => readEvent(dir)).toThrow(/it is a directory; pass a JSON event file/);
  });
});

describe('warden invoke, output', () => {
  it('prints an APIG answer’s report, the envelope only with --raw', async () => {
    const report = await warden('invoke', 'prune-orphan-events', '--event', 'events/prune-orphan-events/apig.json', '--local', '--dry-run');
    expect(report.code, report.stderr).toBe(0);
    expect(JSON.parse(report.stdout)).toMatchObject({ function: 'prune-orphan-events', trigger: 'apig', dryRun: true });
    const raw = await warden('invoke', 'prune-orphan-events', '--data', readFileSync(join(root, 'events/prune-orphan-events/apig.json'), 'utf8'), '--local', '--raw');
    const envelope = JSON.parse(raw.stdout);
    expect(envelope.statusCode).toBe(200);
    expect(JSON.parse(envelope.body)).toMatchObject({ function: 'prune-orphan-events' });
  });

  it('runs --local on npm start’s demo data', async () => {
    const { code, stdout, stderr } = await warden('invoke', 'prune-orphan-events', '--event', 'events/prune-orphan-events/timer.json', '--local');
    expect(code, stderr).toBe(0);
    expect(stderr).toContain("with npm start's demo data");
    expect(JSON.parse(stdout).counts.applied).toBeGreaterThan(0); // the demo's orphaned events
  });
});

describe('warden invoke against a project (not --local): nothing from serverless.yml unasked', () => {
  const run = async (userDataFromServerless: boolean) => {
    const cloud = await startCloud({ port: 0, fixture: defaultFixture() });
    const notices: string[] = [];
    try {
      const { result } = await invoke({
        root,
        functionName: 'tag-new-keys',
        event: readEvent(join(root, 'events/tag-new-keys/timer.json')),
        env: { ...localCloudEnv(cloud), WARDEN_MAX_DELETION: '3' },
        userDataFromServerless,
        notice: (line) => notices.push(line),
        logSink: () => {},
      });
      const tagged = [...cloud.state.keys.values()].filter((key) => key.tags.get('owner-team') === 'platform').length;
      return { result, notices, tagged };
    } finally {
      await cloud.close();
    }
  };

  it('applies serverless.yml’s userData only with --user-data-from-serverless, and says where the policy and region come from', async () => {
    const plain = await run(false);
    expect(plain.tagged).toBe(0);
    expect(plain.notices).toContain("policy: your WARDEN_MAX_DELETION, then the defaults; serverless.yml's userData is not applied (--user-data-from-serverless applies it)");
    expect(plain.notices.some((line) => /^cloud: region cn-north-4 \(HUAWEICLOUD_REGION\), project \w+, endpoint http/.test(line))).toBe(true);
    expect(plain.notices).toContain('warning: WARDEN_MAX_DELETION is not a setting hwc-warden knows; it has no effect (did you mean WARDEN_MAX_DELETIONS?)');
    const asked = await run(true);
    expect(asked.tagged).toBeGreaterThan(0);
    expect(asked.notices[0]).toMatch(/^policy: your WARDEN_MAX_DELETION over serverless.yml \(provider environment, tag-new-keys userData: WARDEN_KEY_TAGS/);
  });
});

describe('warden, the other commands', () => {
  it('writes a sample event, lists a function’s triggers, and names an unknown one', async () => {
    const out = join(dir, 'cts.json');
    expect((await warden('events', 'tag-new-keys', 'cts', '--out', out)).code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(JSON.parse(readFileSync(join(root, 'events/tag-new-keys/cts.json'), 'utf8')));
    expect((await warden('events', 'prune-orphan-events')).stdout).toBe('timer\napig\n');
    const unknown = await warden('events', 'prune-orphan-events', 'cts');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/prune-orphan-events has no "cts" trigger; its triggers: timer, apig/);
  });

  it('answers --version, --help per command, and unknown options in its own words', async () => {
    expect((await warden('--version')).stdout).toBe(`warden ${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version}\n`);
    const help = await warden('invoke', '--help');
    expect(help.stdout).toMatch(/^usage: warden invoke <function>/);
    expect(help.stdout).toContain('--user-data-from-serverless');
    for (const command of ['start', 'api', 'events', 'cloud', 'build']) expect((await warden(command, '--help')).stdout).toMatch(new RegExp(`^usage: warden ${command}`));
    const typo = await warden('invoke', 'tag-new-keys', '--evnt', 'x.json');
    expect(typo.code).toBe(1);
    expect(typo.stderr).toBe(
      'warden invoke: unknown option --evnt (did you mean --event?); warden invoke takes --event <value>, --data <value>, --dry-run, --raw, --local, --seed <value>, --user-data-from-serverless (warden invoke --help)\n',
    );
    expect((await warden('build', '--code-cach')).stderr).toMatch(/unknown option --code-cach \(did you mean --code-cache\?\); warden build takes --code-cache/);
    const start = await warden('start', '--time-scal', '60');
    expect(start.code).toBe(1);
    expect(start.stderr).toMatch(/^warden start: unknown option --time-scal \(did you mean --time-scale\?\); warden start takes --port <value>, --cloud-port <value>/);
  });
});
