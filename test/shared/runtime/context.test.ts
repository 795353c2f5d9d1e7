import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { adaptContext, exposeRemainingTime, runtimeContext, runtimeOf } from '../../../shared/runtime/context.ts';
import { createLogger } from '../../../shared/runtime/logger.ts';
import { loadEvent, loadRecord } from '../../fixtures/events/load.ts';

/** The FunctionGraph Node.js context API, as the runtime provides it (methods on a class). */
class FunctionGraphContext {
  constructor(
    private readonly data: Record<string, string>,
    private readonly suffix = '01',
  ) {}
  getRequestID() {
    return '14b8efac-308a-4a75-bf0b-14b2f4830328';
  }
  getRemainingTimeInMilliSeconds() {
    return 2500;
  }
  getFunctionName() {
    return 'guard-key-deletion';
  }
  getUserData(name: string) {
    return this.data[name];
  }
  getSecurityAccessKey() {
    return `HSTA-MARKER-AK-${this.suffix}`;
  }
  getSecuritySecretKey() {
    return `MARKER-SK-secret-value-${this.suffix}`;
  }
  getSecurityToken() {
    return `MARKER-STS-token-value-${this.suffix}`;
  }
  getToken() {
    return `MARKER-IAM-token-value-${this.suffix}`;
  }
  getLogger() {
    return { info() {} };
  }
}

describe('adaptContext', () => {
  it('adapts a FunctionGraph context', () => {
    const runtime = adaptContext(new FunctionGraphContext({ WARDEN_DRY_RUN: 'yes', EMPTY: '' }));
    expect(runtime.requestId).toBe('14b8efac-308a-4a75-bf0b-14b2f4830328');
    expect(runtime.functionName).toBe('guard-key-deletion');
    expect(runtime.remainingMs()).toBe(2500);
    expect(runtime.userData('WARDEN_DRY_RUN')).toBe('yes');
    expect(runtime.userData('EMPTY')).toBeUndefined();
    expect(runtime.userData('MISSING')).toBeUndefined();
    expect(runtime.credentials?.()).toEqual({
      accessKey: 'HSTA-MARKER-AK-01',
      secretKey: 'MARKER-SK-secret-value-01',
      securityToken: 'MARKER-STS-token-value-01',
    });
    expect(runtime.iamToken?.()).toBe('MARKER-IAM-token-value-01');
  });

  it('adapts an AWS-style context', () => {
    const runtime = adaptContext({ awsRequestId: 'aws-1', functionName: 'fn', getRemainingTimeInMillis: () => 900 });
    expect(runtime).toMatchObject({ requestId: 'aws-1', functionName: 'fn' });
    expect(runtime.remainingMs()).toBe(900);
    expect(runtime.userData('X')).toBeUndefined();
    expect(runtime.credentials).toBeUndefined();
  });

  it('adapts the FunctionGraph context.json sample and plain objects', () => {
    expect(adaptContext(loadEvent('context')).requestId).toBe('14b8efac-308a-4a75-bf0b-14b2f4830328');
    const plain = adaptContext({ requestId: 'local-1', userData: { A: 'b' }, credentials: { accessKey: 'ak', secretKey: 'sk' }, deadline: Date.now() + 60_000 });
    expect(plain.userData('A')).toBe('b');
    expect(plain.credentials?.()).toEqual({ accessKey: 'ak', secretKey: 'sk' });
    expect(plain.remainingMs()).toBeGreaterThan(0);
    expect(plain.remainingMs()).toBeLessThanOrEqual(60_000);
  });

  it('copes with no context at all and with throwing getters', () => {
    const none = adaptContext(undefined);
    expect(none.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(none.remainingMs()).toBe(Number.POSITIVE_INFINITY);
    const throwing = adaptContext({
      getRequestID: () => 'r',
      getSecurityAccessKey: () => {
        throw new Error('no agency');
      },
    });
    expect(throwing.credentials?.()).toBeUndefined();
  });

  it('memoises per context object', () => {
    const raw = loadRecord('context');
    expect(runtimeOf(raw)).toBe(runtimeOf(raw));
  });
});

describe('runtimeContext middleware', () => {
  it('registers the platform credentials so no later log line can show them', async () => {
    const lines: string[] = [];
    const log = createLogger({ function: 'guard-key-deletion', sink: (line) => lines.push(line) });
    const context = new FunctionGraphContext({}, 'middleware-only');
    const handler = middy()
      .use(runtimeContext())
      .handler(async (_event: unknown, ctx: any) => {
        // A careless line dumping everything it can reach.
        log.info('debug dump', { dump: `${ctx.getSecuritySecretKey()} ${ctx.getSecurityToken()} ${ctx.getToken()}`, ak: 'x' });
        return runtimeOf(ctx).requestId;
      });
    expect(await handler({}, context as any)).toBe('14b8efac-308a-4a75-bf0b-14b2f4830328');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/MARKER/);
  });
});

describe('exposeRemainingTime (so middy\'s early timeout arms)', () => {
  const remaining = (context: unknown) => (context as { getRemainingTimeInMillis?: () => number }).getRemainingTimeInMillis?.();

  it('gives a FunctionGraph context the name middy looks for', () => {
    const request = { context: new FunctionGraphContext({}) as unknown };
    exposeRemainingTime(request);
    expect(remaining(request.context)).toBe(2500);
    expect(runtimeOf(request.context).remainingMs()).toBe(2500); // and reading it does not loop
  });

  it('gives one to a plain context with a deadline, and to a frozen one through a copy', () => {
    const plain = { context: { requestId: 'r', deadline: Date.now() + 60_000 } as unknown };
    exposeRemainingTime(plain);
    expect(remaining(plain.context)).toBeGreaterThan(0);
    expect(runtimeOf(plain.context).remainingMs()).toBeLessThanOrEqual(60_000);
    const frozen = Object.freeze(new FunctionGraphContext({}));
    const request = { context: frozen as unknown };
    exposeRemainingTime(request);
    expect(request.context).not.toBe(frozen);
    expect(remaining(request.context)).toBe(2500);
    expect(runtimeOf(request.context).requestId).toBe('14b8efac-308a-4a75-bf0b-14b2f4830328');
  });

  it('leaves alone an AWS context, one without a time limit, and no request at all', () => {
    const aws = { getRemainingTimeInMillis: () => 7 };
    const request = { context: aws as unknown };
    exposeRemainingTime(request);
    expect(remaining(request.context)).toBe(7);
    const unlimited = { context: { requestId: 'r' } as unknown };
    exposeRemainingTime(unlimited);
    expect(remaining(unlimited.context)).toBeUndefined();
    expect(() => exposeRemainingTime()).not.toThrow();
  });
});
