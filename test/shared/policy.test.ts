import { describe, expect, it } from 'vitest';
import { describeUnknownVariable, globToRegExp, loadPolicy, matchesAnyGlob, matchesGlob, PolicyError, POLICY_VARIABLES, renderDescription, unknownWardenVariables } from '../../shared/policy.ts';
import type { PolicyVariable } from '../../shared/policy.ts';
import { createLogger } from '../../shared/runtime/logger.ts';

const load = (env: Record<string, string | undefined>) => loadPolicy({ env });

function problems(env: Record<string, string | undefined>): PolicyError {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return error as PolicyError;
  }
  throw new Error('expected a PolicyError');
}

const messageFor = (env: Record<string, string>, variable: PolicyVariable) =>
  problems(env).problems.find((p) => p.variable === variable)?.message;

describe('loadPolicy defaults', () => {
  it('uses the documented defaults for an empty environment', () => {
    const policy = load({});
    expect(policy).toEqual({
      dryRun: false,
      keyTags: {},
      keyDescriptionTemplate: 'Created by {user} on {date}',
      protectTag: 'deletion-protection',
      protectAliases: [],
      protectInUse: true,
      reenableCancelled: false,
      orphanGraceDays: 7,
      keepEvents: [],
      maxDeletions: 20,
      backupMaxAgeHours: 26,
      backupService: 'auto',
      backupExempt: [],
      webhookAuth: 'hmac',
      smnTopicUrn: undefined,
      concurrency: 8,
      maxBodyBytes: 262144,
    });
    expect(policy.webhookSecret).toBeUndefined();
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.keyTags)).toBe(true);
    expect(Object.isFrozen(policy.protectAliases)).toBe(true);
    expect(Object.isFrozen(policy.backupExempt)).toBe(true);
  });

  it('treats empty and blank values as unset', () => {
    expect(load({ WARDEN_DRY_RUN: '', WARDEN_MAX_DELETIONS: '  ', WARDEN_WEBHOOK_SECRET: '' })).toMatchObject({ dryRun: false, maxDeletions: 20 });
  });
});

describe('loadPolicy values', () => {
  it('reads every variable', () => {
    const policy = load({
      WARDEN_DRY_RUN: 'YES',
      WARDEN_KEY_TAGS: '{"owner-team":"platform","cost-center":"cc-42"}',
      WARDEN_KEY_DESCRIPTION_TEMPLATE: 'Made by {user} ({date} {time})',
      WARDEN_PROTECT_TAG: 'keep',
      WARDEN_PROTECT_ALIASES: ' prod-* , , *-critical ',
      WARDEN_PROTECT_IN_USE: '0',
      WARDEN_REENABLE_CANCELLED: 'True',
      WARDEN_ORPHAN_GRACE_DAYS: '0',
      WARDEN_KEEP_EVENTS: 'audit-?,keep-*',
      WARDEN_MAX_DELETIONS: '5',
      WARDEN_BACKUP_MAX_AGE_HOURS: '12.5',
      WARDEN_BACKUP_SERVICE: 'CBR',
      WARDEN_BACKUP_EXEMPT: ' scratch-* , ,ci-runner-?? ',
      WARDEN_WEBHOOK_SECRET: 'a-long-enough-webhook-secret',
      WARDEN_WEBHOOK_AUTH: 'none',
      WARDEN_SMN_TOPIC_URN: 'urn:smn:eu-west-101:0a1b2c3d4e5f60718293a4b5c6d7e8f9:warden-alerts',
      WARDEN_CONCURRENCY: '64',
      WARDEN_MAX_BODY_BYTES: '1024',
    });
    expect(policy).toEqual({
      dryRun: true,
      keyTags: { 'owner-team': 'platform', 'cost-center': 'cc-42' },
      keyDescriptionTemplate: 'Made by {user} ({date} {time})',
      protectTag: 'keep',
      protectAliases: ['prod-*', '*-critical'],
      protectInUse: false,
      reenableCancelled: true,
      orphanGraceDays: 0,
      keepEvents: ['audit-?', 'keep-*'],
      maxDeletions: 5,
      backupMaxAgeHours: 12.5,
      backupService: 'cbr',
      backupExempt: ['scratch-*', 'ci-runner-??'],
      webhookAuth: 'none',
      smnTopicUrn: 'urn:smn:eu-west-101:0a1b2c3d4e5f60718293a4b5c6d7e8f9:warden-alerts',
      concurrency: 64,
      maxBodyBytes: 1024,
    });
    expect(policy.webhookSecret).toBe('a-long-enough-webhook-secret');
  });

  it.each([
    ['true', true], ['TRUE', true], ['1', true], ['yes', true], ['Yes', true],
    ['false', false], ['False', false], ['0', false], ['no', false], ['NO', false],
  ])('reads boolean %j as %s', (raw, value) => {
    expect(load({ WARDEN_DRY_RUN: raw }).dryRun).toBe(value);
  });

  it('prefers FunctionGraph user data over the environment', () => {
    const policy = loadPolicy({
      env: { WARDEN_MAX_DELETIONS: '3', WARDEN_CONCURRENCY: '2' },
      userData: (name) => ({ WARDEN_MAX_DELETIONS: '9', WARDEN_CONCURRENCY: '' })[name],
    });
    expect(policy.maxDeletions).toBe(9);
    expect(policy.concurrency).toBe(2);
  });

  it('keeps the webhook secret out of JSON and logs', () => {
    const secret = 'policy-secret-marker-abcdef';
    const policy = load({ WARDEN_WEBHOOK_SECRET: secret });
    expect(JSON.stringify(policy)).not.toContain(secret);
    const lines: string[] = [];
    createLogger({ function: 'f', sink: (line) => lines.push(line) }).info(`config ${policy.webhookSecret}`, { policy: { ...policy } });
    expect(lines.join('')).not.toContain(secret);
  });
});

describe('loadPolicy errors', () => {
  it.each<[PolicyVariable, string, string]>([
    ['WARDEN_DRY_RUN', 'on', 'expected true/false/1/0/yes/no, got "on"'],
    ['WARDEN_PROTECT_IN_USE', 'truthy', 'expected true/false/1/0/yes/no, got "truthy"'],
    ['WARDEN_REENABLE_CANCELLED', '2', 'expected true/false/1/0/yes/no, got "2"'],
    ['WARDEN_KEY_TAGS', '[1,2]', 'expected a JSON object of tag key → string value, got "[1,2]"'],
    ['WARDEN_KEY_TAGS', '{owner: x}', 'expected a JSON object of tag key → string value, got "{owner: x}"'],
    ['WARDEN_KEY_TAGS', '{"owner":1}', 'tag value for "owner" must be a string, got number'],
    ['WARDEN_KEY_TAGS', '{"a=b":"x"}', 'tag key "a=b" contains a forbidden character (control, * < > \\ =)'],
    ['WARDEN_KEY_TAGS', '{"  ":"x"}', 'tag key "  " must be 1–36 characters, not all spaces'],
    ['WARDEN_KEY_TAGS', `{"${'k'.repeat(37)}":"x"}`, `tag key "${'k'.repeat(37)}" must be 1–36 characters, not all spaces`],
    ['WARDEN_KEY_TAGS', `{"k":"${'v'.repeat(44)}"}`, 'tag value for "k" must be at most 43 characters'],
    ['WARDEN_KEY_TAGS', '{"k":{"nested":"x"}}', 'expected a JSON object of tag key → string value, got "{\\"k\\":{\\"nested\\":\\"x\\"}}"'],
    ['WARDEN_KEY_TAGS', '{"__proto__":"x"}', 'expected a JSON object of tag key → string value, got "{\\"__proto__\\":\\"x\\"}"'],
    ['WARDEN_KEY_DESCRIPTION_TEMPLATE', 'By {usr}', 'unknown placeholder {usr}; allowed: {user}, {date}, {time}, {keyId}, {alias}'],
    ['WARDEN_KEY_DESCRIPTION_TEMPLATE', 'x'.repeat(256), 'expected at most 255 characters, got 256'],
    ['WARDEN_PROTECT_TAG', 'keep*me', 'tag key "keep*me" contains a forbidden character (control, * < > \\ =)'],
    ['WARDEN_ORPHAN_GRACE_DAYS', '-1', 'expected a whole number ≥ 0, got "-1"'],
    ['WARDEN_ORPHAN_GRACE_DAYS', '1.5', 'expected a whole number ≥ 0, got "1.5"'],
    ['WARDEN_MAX_DELETIONS', 'ten', 'expected a whole number ≥ 0, got "ten"'],
    ['WARDEN_MAX_DELETIONS', '1e3', 'expected a whole number ≥ 0, got "1e3"'],
    ['WARDEN_BACKUP_MAX_AGE_HOURS', '0', 'expected a number > 0, got "0"'],
    ['WARDEN_BACKUP_MAX_AGE_HOURS', 'a day', 'expected a number > 0, got "a day"'],
    ['WARDEN_BACKUP_SERVICE', 'vbs', 'expected "csbs" or "cbr" or "auto", got "vbs"'],
    ['WARDEN_BACKUP_SERVICE', 'cbr,csbs', 'expected "csbs" or "cbr" or "auto", got "cbr,csbs"'],
    ['WARDEN_WEBHOOK_AUTH', 'basic', 'expected "hmac" or "none", got "basic"'],
    ['WARDEN_SMN_TOPIC_URN', 'arn:aws:sns:x', 'expected urn:smn:<region>:<project_id>:<topic>, got "arn:aws:sns:x"'],
    ['WARDEN_SMN_TOPIC_URN', 'urn:smn:eu-west-101:proj', 'expected urn:smn:<region>:<project_id>:<topic>, got "urn:smn:eu-west-101:proj"'],
    ['WARDEN_CONCURRENCY', '0', 'expected a whole number between 1 and 64, got "0"'],
    ['WARDEN_CONCURRENCY', '65', 'expected a whole number between 1 and 64, got "65"'],
    ['WARDEN_MAX_BODY_BYTES', 'lots', 'expected a whole number between 1 and 6291456, got "lots"'],
    ['WARDEN_MAX_BODY_BYTES', '0', 'expected a whole number between 1 and 6291456, got "0"'],
  ])('%s=%j → %s', (variable, raw, message) => {
    const error = problems({ [variable]: raw });
    expect(error.problems).toEqual([{ variable, message }]);
    expect(error.message).toBe(`invalid configuration: ${variable}: ${message}`);
  });

  it('names every invalid variable at once', () => {
    const error = problems({ WARDEN_DRY_RUN: 'maybe', WARDEN_MAX_DELETIONS: 'ten', WARDEN_CONCURRENCY: '100', WARDEN_ORPHAN_GRACE_DAYS: '3' });
    expect(error.problems.map((p) => p.variable)).toEqual(['WARDEN_DRY_RUN', 'WARDEN_MAX_DELETIONS', 'WARDEN_CONCURRENCY']);
    expect(error.message).toContain('WARDEN_MAX_DELETIONS: expected a whole number ≥ 0, got "ten"');
    expect(error.name).toBe('PolicyError');
  });

  it('never prints the webhook secret', () => {
    const secret = 'short-Sec9';
    const error = problems({ WARDEN_WEBHOOK_SECRET: secret, WARDEN_DRY_RUN: 'nah' });
    expect(messageFor({ WARDEN_WEBHOOK_SECRET: secret }, 'WARDEN_WEBHOOK_SECRET')).toBe(
      'expected at least 16 characters, got 10 (value not shown)',
    );
    expect(error.message).not.toContain(secret);
    expect(JSON.stringify(error.problems)).not.toContain(secret);
    // Even a rejected secret is masked in later logs.
    const lines: string[] = [];
    createLogger({ function: 'f', sink: (line) => lines.push(line) }).warn(`bad secret ${secret}`);
    expect(lines[0]).not.toContain(secret);
  });
});

describe('renderDescription', () => {
  it('fills known placeholders', () => {
    expect(renderDescription('Created by {user} on {date}', { user: 'ops-automation/alice', date: '2024-06-10' })).toBe(
      'Created by ops-automation/alice on 2024-06-10',
    );
    expect(renderDescription('{keyId}/{alias}/{time}/{other}', { keyId: 'k' })).toBe('k///{other}');
  });
});

describe('globs', () => {
  const cases: [string, string, boolean][] = [
    ['prod-*', 'prod-db', true],
    ['prod-*', 'prod-', true],
    ['prod-*', 'production', false],
    ['prod-*', 'xprod-db', false],
    ['prod-*', 'Prod-db', false],
    ['*-critical', 'db-critical', true],
    ['*-critical', 'db-critical-2', false],
    ['key-?', 'key-1', true],
    ['key-?', 'key-', false],
    ['key-?', 'key-12', false],
    ['key-?', 'key-é', true],
    ['a.b', 'a.b', true],
    ['a.b', 'axb', false],
    ['(x)+[y]{2}|^$\\', '(x)+[y]{2}|^$\\', true],
    ['(x)+', 'xx', false],
    ['alias/*', 'alias/a/b', true],
    ['*', '', true],
    ['', '', true],
    ['', 'a', false],
    ['a**b', 'ab', true],
    ['*a*b*', 'xxaxxbxx', true],
    ['*a*b*', 'xxbxxaxx', false],
    ['exact', 'exact', true],
    ['exact', 'exactly', false],
    ['line*', 'line1\nline2', true],
  ];

  it.each(cases)('%j vs %j → %s', (glob, value, expected) => {
    expect(matchesGlob(value, glob)).toBe(expected);
    expect(globToRegExp(glob).test(value)).toBe(expected);
  });

  it('matches any of a list', () => {
    expect(matchesAnyGlob('prod-db', ['dev-*', 'prod-*'])).toBe(true);
    expect(matchesAnyGlob('production', ['dev-*', 'prod-*'])).toBe(false);
    expect(matchesAnyGlob('anything', [])).toBe(false);
  });

  it('does not blow up on pathological patterns', () => {
    const glob = `${'*a'.repeat(20)}*b`;
    expect(matchesGlob('a'.repeat(5000), glob)).toBe(false);
  });
});

describe('tag limits count characters', () => {
  it('accepts 43 emoji as a tag value (86 UTF-16 units) and refuses 44', () => {
    expect(loadPolicy({ env: { WARDEN_KEY_TAGS: JSON.stringify({ mood: '😀'.repeat(43) }) } }).keyTags['mood']).toBe('😀'.repeat(43));
    expect(() => loadPolicy({ env: { WARDEN_KEY_TAGS: JSON.stringify({ mood: '😀'.repeat(44) }) } })).toThrow(/at most 43 characters/);
  });
});

describe('unknown WARDEN_* variables', () => {
  it('names each typo with the closest known setting', () => {
    const found = unknownWardenVariables(['WARDEN_MAX_DELETION', 'WARDEN_DRYRUN', 'WARDEN_PROTECT_ALIAS', 'warden_dry_run', 'WARDEN_REENABLE_CANCELED', 'WARDEN_BACKUP_MAX_AGE_HOUR']);
    expect(found).toEqual([
      { name: 'WARDEN_MAX_DELETION', closest: 'WARDEN_MAX_DELETIONS' },
      { name: 'WARDEN_DRYRUN', closest: 'WARDEN_DRY_RUN' },
      { name: 'WARDEN_PROTECT_ALIAS', closest: 'WARDEN_PROTECT_ALIASES' },
      { name: 'WARDEN_REENABLE_CANCELED', closest: 'WARDEN_REENABLE_CANCELLED' },
      { name: 'WARDEN_BACKUP_MAX_AGE_HOUR', closest: 'WARDEN_BACKUP_MAX_AGE_HOURS' },
    ]);
    expect(describeUnknownVariable(found[0]!)).toBe('WARDEN_MAX_DELETION is not a setting hwc-warden knows; it has no effect (did you mean WARDEN_MAX_DELETIONS?)');
  });

  it('offers no suggestion when nothing is close, and passes known and foreign names', () => {
    expect(unknownWardenVariables(['WARDEN_SOMETHING_ELSE_ENTIRELY', 'PATH', 'HUAWEICLOUD_REGION', ...POLICY_VARIABLES, 'WARDEN_CLOUD_PORT', 'WARDEN_WEBHOOK_SECRET_TAG_NEW_KEYS'])).toEqual([
      { name: 'WARDEN_SOMETHING_ELSE_ENTIRELY', closest: undefined },
    ]);
    expect(describeUnknownVariable({ name: 'WARDEN_X', closest: undefined })).toBe('WARDEN_X is not a setting hwc-warden knows; it has no effect');
  });
});
