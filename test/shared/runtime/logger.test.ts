import { describe, expect, it } from 'vitest';
import { createLogger, registerSecret } from '../../../shared/runtime/logger.ts';
import type { Logger } from '../../../shared/runtime/logger.ts';
import { isSensitiveKey, redact } from '../../../shared/runtime/redact.ts';

function capture(options: Partial<Parameters<typeof createLogger>[0]> = {}): { log: Logger; lines: string[]; parsed: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const log = createLogger({ function: 'tag-new-keys', sink: (line) => lines.push(line), clock: () => new Date('2024-06-10T06:13:20Z'), ...options });
  return { log, lines, parsed: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('createLogger', () => {
  it('writes one JSON line per event with the fixed fields first', () => {
    const { log, lines, parsed } = capture({ requestId: 'req-1' });
    log.info('tagged key', { keyId: 'k-1', tags: 3 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(lines[0]).toBe(
      '{"level":"info","time":"2024-06-10T06:13:20.000Z","function":"tag-new-keys","requestId":"req-1","message":"tagged key","keyId":"k-1","tags":3}',
    );
    expect(parsed()[0]).toMatchObject({ level: 'info', function: 'tag-new-keys', requestId: 'req-1' });
  });

  it('drops lines below the level and binds fields in children', () => {
    const { log, parsed } = capture({ level: 'warn' });
    log.info('hidden');
    log.debug('hidden');
    const child = log.child({ requestId: 'req-2', trigger: 'cts' });
    child.warn('kept', { level: 'spoofed' });
    expect(parsed()).toEqual([
      { level: 'warn', time: '2024-06-10T06:13:20.000Z', function: 'tag-new-keys', requestId: 'req-2', message: 'kept', trigger: 'cts', field_level: 'spoofed' },
    ]);
  });

  it('redacts sensitive field names at any depth, whatever their case', () => {
    const { log, lines, parsed } = capture();
    log.info('request', {
      headers: { Authorization: 'Bearer MARKER-AUTH', 'X-Warden-Signature': 't=1,v1=MARKER-SIG', 'X-Auth-Token': 'MARKER-TOKEN' },
      credentials: { ak: 'MARKER-AK', SK: 'MARKER-SK' },
      config: { WARDEN_WEBHOOK_SECRET: 'MARKER-SECRET', dbPassword: 'MARKER-PW', securityToken: 'MARKER-ST' },
      list: [{ secret_key: 'MARKER-SK2' }],
      task: 'keep-me',
      disk: 'keep-me-too',
    });
    expect(lines[0]).not.toContain('MARKER');
    const line = parsed()[0] as Record<string, any>;
    expect(line.headers.Authorization).toBe('[redacted]');
    expect(line.credentials).toBe('[redacted]');
    expect(line.list[0].secret_key).toBe('[redacted]');
    expect(line.task).toBe('keep-me');
    expect(line.disk).toBe('keep-me-too');
  });

  it('masks registered secrets inside any string: message, values, keys, errors', () => {
    const secret = 'SeCrEt-Marker-7f3a9c';
    registerSecret(secret);
    const { log, lines } = capture();
    log.info(`calling with ${secret}`, {
      url: `https://kms.example/?sig=${secret}&x=1`,
      nested: { deep: [{ note: `prefix${secret}suffix` }] },
      [`key-${secret}`]: 1,
      encoded: encodeURIComponent(`a ${secret}/`),
    });
    log.error('failed', new Error(`upstream rejected ${secret}`));
    expect(lines.join('\n')).not.toContain(secret);
    expect(lines.join('\n')).toContain('https://kms.example/?sig=[redacted]&x=1');
  });

  it('logs errors by name and message only (stack on request, masked)', () => {
    const error = Object.assign(new TypeError('bad input'), { code: 'E_BAD', response: { token: 'x' } });
    const plain = capture();
    plain.log.error('failed', { error });
    expect(plain.parsed()[0]?.error).toEqual({ name: 'TypeError', message: 'bad input', code: 'E_BAD' });
    expect(plain.lines[0]).not.toContain('at ');
    const withStack = capture({ includeStack: true });
    withStack.log.error('failed', error);
    expect((withStack.parsed()[0]?.error as { stack: string }).stack).toContain('TypeError: bad input');
  });

  it('leaves no control character or bidi mark raw in a line: JSON escapes C0, the logger the rest', () => {
    const { log, lines, parsed } = capture();
    const alias = 'app/\u001b[31mred\u007f\u009b2J\u202etxt.exe\u2028';
    log.warn(`alias ${alias}`, { alias });
    expect(lines[0]).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2028\u2029]/);
    expect(parsed()[0]).toMatchObject({ message: `alias ${alias}`, alias });
  });

  it('survives cycles, bigint, dates, buffers, and a throwing sink', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const { log, parsed } = capture();
    log.info('odd values', { cyclic, big: 10n, at: new Date(0), bytes: Buffer.from('abc'), fn: () => 1 });
    expect(parsed()[0]).toMatchObject({ cyclic: { name: 'loop', self: '[circular]' }, big: '10', at: '1970-01-01T00:00:00.000Z', bytes: '[3 bytes]' });
    const broken = createLogger({ function: 'f', sink: () => { throw new Error('disk full'); } });
    expect(() => broken.error('still fine')).not.toThrow();
  });
});

describe('isSensitiveKey / redact', () => {
  it.each(['password', 'Secret', 'client_secret', 'X-Auth-Token', 'authorization', 'signature', 'credentials', 'sk', 'AK', 'x-sdk-ak', 'accessKey', 'securityToken', 'SECRET_KEY'])(
    '%s is sensitive',
    (key) => expect(isSensitiveKey(key)).toBe(true),
  );
  it.each(['task', 'disk', 'keyId', 'kind', 'status', 'mask', 'desk', 'skip', 'akamai', 'target'])('%s is not', (key) =>
    expect(isSensitiveKey(key)).toBe(false),
  );
  it('keeps empty sensitive values visible (nothing to hide)', () => {
    expect(redact({ token: '', secret: null })).toEqual({ token: '', secret: null });
  });
});
