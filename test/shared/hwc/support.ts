import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { startCloud } from '../../../local/cloud/index.ts';
import type { Fixture, LocalCloud } from '../../../local/cloud/index.ts';
import { mulberry32 } from '../../../local/cloud/faults.ts';
import { HuaweiCloud, HwcError, LocalErrorCode } from '../../../shared/hwc/index.ts';
import type { HuaweiCloudOptions } from '../../../shared/hwc/index.ts';

/** Shared set-up for the service tests: an embedded cloud on loopback and a client signed as its demo user. */

export const FAST_RETRY = { baseDelayMs: 1, maxDelayMs: 4 } as const;

export function startTestCloud(fixture?: Fixture): Promise<LocalCloud> {
  return startCloud(fixture === undefined ? { port: 0 } : { port: 0, fixture });
}

/**
 * One embedded cloud and one client for a whole test file, handed to `use` once started; the cloud's state
 * and faults are reset before each test.
 */
export function shareCloud(use: (cloud: LocalCloud, hwc: HuaweiCloud) => void, fixture?: () => Fixture): void {
  let cloud: LocalCloud;
  let hwc: HuaweiCloud;
  beforeAll(async () => {
    cloud = await startTestCloud(fixture?.());
    hwc = clientFor(cloud);
    use(cloud, hwc);
  });
  afterAll(async () => {
    await hwc.close();
    await cloud.close();
  });
  beforeEach(() => {
    cloud.reset();
    cloud.setFaults(undefined);
  });
}

export function clientFor(cloud: LocalCloud, options: Partial<HuaweiCloudOptions> = {}): HuaweiCloud {
  const { ak, sk, region, projectId } = cloud.identity;
  const url = cloud.url;
  return new HuaweiCloud({
    region,
    projectId,
    credentials: { type: 'aksk', ak, sk },
    endpoints: { kms: url, csms: url, csbs: url, smn: url, iam: url, cbr: url, ecs: url },
    ...options,
    retry: { ...FAST_RETRY, ...options.retry },
  });
}

/** The HwcError a call fails with (the test fails if it succeeds or fails otherwise). */
export async function rejection(promise: Promise<unknown> | (() => unknown)): Promise<HwcError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    expect(error).toBeInstanceOf(HwcError);
    return error as HwcError;
  }
  throw new Error('expected the call to fail with an HwcError');
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/**
 * A seed for the cloud's fault PRNG under which the first `failures` matching calls draw a fault at `rate`
 * and the next one does not: "fail N times, then succeed", deterministically.
 */
export function seedFailingFirst(failures: number, rate = 0.5): number {
  for (let seed = 1; seed < 100_000; seed++) {
    const draw = mulberry32(seed);
    let ok = true;
    for (let i = 0; i < failures && ok; i++) ok = draw() < rate;
    if (ok && draw() >= rate) return seed;
  }
  throw new Error(`no seed fails the first ${failures} draws`);
}

/**
 * Asserts that `call` (a promise or a listing) is refused as an invalid request naming `field`, before
 * anything reaches the cloud. Returns the error for further checks.
 */
export async function expectRefusedBeforeSending(cloud: LocalCloud, call: () => unknown, field: string): Promise<HwcError> {
  const before = cloud.stats.requests;
  const error = await rejection(async () => {
    const result = call();
    if (Symbol.asyncIterator in Object(result)) await collect(result as AsyncIterable<unknown>);
    else await result;
  });
  expect(error).toMatchObject({ status: 0, errorCode: LocalErrorCode.invalidRequest });
  expect(error.errorMsg).toContain(field);
  expect(cloud.stats.requests).toBe(before);
  return error;
}
