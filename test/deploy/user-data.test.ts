import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SecretValue } from '../../deploy/secret.ts';
import { encryptedUserDataText, fingerprintSecrets, isSecretName, limitProblems, secretsMatch, splitUserData, userDataText } from '../../deploy/user-data.ts';

const secrets = (values: Record<string, string>) => Object.fromEntries(Object.entries(values).map(([name, value]) => [name, new SecretValue(value)]));

describe('which names are secrets', () => {
  it('credential-like names go to encrypted user data; policy names with KEY in them do not', () => {
    for (const name of ['WARDEN_WEBHOOK_SECRET', 'DB_PASSWORD', 'SMTP_PASSWD', 'GITHUB_TOKEN', 'HUAWEICLOUD_SDK_SECURITY_TOKEN', 'HUAWEICLOUD_SDK_SK', 'SK', 'SIGNING_PRIVATE_KEY', 'MAPS_API_KEY', 'CLIENT_CREDENTIALS', 'client_secret']) {
      expect(isSecretName(name), name).toBe(true);
    }
    for (const name of ['WARDEN_KEY_TAGS', 'WARDEN_PROTECT_TAG', 'HUAWEICLOUD_SDK_AK', 'WARDEN_SMN_TOPIC_URN', 'TASK', 'WARDEN_KEEP_EVENTS', 'DISK']) {
      expect(isSecretName(name), name).toBe(false);
    }
  });

  it('merges provider < function, then splits; encryptedUserData is encrypted whatever its names', () => {
    const split = splitUserData({ WARDEN_DRY_RUN: 'true', WARDEN_WEBHOOK_SECRET: 'provider-secret-value' }, { WARDEN_DRY_RUN: 'false', WARDEN_WEBHOOK_SECRET: 'function-secret-value' }, { WARDEN_SMN_TOPIC_URN: 'urn:smn:x' });
    expect(split.plain).toEqual({ WARDEN_DRY_RUN: 'false' });
    expect(Object.keys(split.encrypted)).toEqual(['WARDEN_SMN_TOPIC_URN', 'WARDEN_WEBHOOK_SECRET']);
    expect(encryptedUserDataText(split.encrypted)).toBe('{"WARDEN_SMN_TOPIC_URN":"urn:smn:x","WARDEN_WEBHOOK_SECRET":"function-secret-value"}');
  });

  it('user data text is sorted, so equal maps give equal text', () => {
    expect(userDataText({ b: '2', a: '1' })).toBe('{"a":"1","b":"2"}');
  });

  it('checks FunctionGraph’s limits: 20 entries, 4 KB', () => {
    expect(limitProblems(20, 'x'.repeat(4096))).toEqual([]);
    expect(limitProblems(21, 'x'.repeat(4097))).toEqual(['21 entries; FunctionGraph allows 20', '4097 bytes as JSON; FunctionGraph allows 4096']);
  });
});

describe('SecretValue', () => {
  it('prints as ‹secret› however it is printed; reveal() alone gives the value', () => {
    const value = new SecretValue('hunter2-hunter2-hunter2');
    for (const printed of [String(value), `${value}`, JSON.stringify({ value }), inspect({ value }), inspect(value)]) expect(printed).not.toContain('hunter2');
    expect(value.reveal()).toBe('hunter2-hunter2-hunter2');
  });
});

describe('the fingerprint of encrypted user data', () => {
  const a = secrets({ WARDEN_WEBHOOK_SECRET: 'first-secret-value-0123456789' });

  it('matches the same names and values whatever the salt, and nothing else', () => {
    const fingerprint = fingerprintSecrets(a);
    expect(fingerprint).toMatch(/^scrypt:16384:8:1:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]{43}$/);
    expect(fingerprint).not.toBe(fingerprintSecrets(a)); // salted
    expect(secretsMatch(fingerprint, secrets({ WARDEN_WEBHOOK_SECRET: 'first-secret-value-0123456789' }))).toBe(true);
    expect(secretsMatch(fingerprint, secrets({ WARDEN_WEBHOOK_SECRET: 'first-secret-value-0123456780' }))).toBe(false);
    expect(secretsMatch(fingerprint, secrets({ OTHER_SECRET: 'first-secret-value-0123456789' }))).toBe(false);
    expect(secretsMatch(fingerprint, secrets({}))).toBe(false);
  });

  it('does not contain the secret, and is deterministic for a given salt', () => {
    const salt = Buffer.alloc(16, 7);
    expect(fingerprintSecrets(a, salt)).toBe(fingerprintSecrets(a, salt));
    expect(fingerprintSecrets(a, salt)).not.toContain('first-secret');
    expect(fingerprintSecrets(a, salt)).not.toContain(Buffer.from('first-secret-value-0123456789').toString('base64url').slice(0, 10));
  });

  it('a malformed or hostile fingerprint (absurd work factor) simply does not match', () => {
    for (const bad of [undefined, '', 'sha256:abc', 'scrypt:16384:8:1:c2FsdA:aGFzaA', `scrypt:${2 ** 30}:8:1:${Buffer.alloc(16).toString('base64url')}:${Buffer.alloc(32).toString('base64url')}`, 'scrypt:1000:8:1:AAAAAAAAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']) {
      expect(secretsMatch(bad, a), String(bad)).toBe(false);
    }
  });
});
