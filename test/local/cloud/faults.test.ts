import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../local/cloud/faults.ts';
import { DEFAULT_IDS, startCloud } from '../../../local/cloud/index.ts';
import type { FaultConfig, LocalCloud } from '../../../local/cloud/index.ts';
import { call, paths } from './helpers.ts';

let cloud: LocalCloud;
const orders = DEFAULT_IDS.keys.orders;

beforeAll(async () => {
  cloud = await startCloud();
});
beforeEach(() => cloud.reset());
afterEach(() => cloud.setFaults(undefined));
afterAll(async () => {
  await cloud.close();
});

const kms = (action: string, body: unknown) => call(cloud, 'POST', paths(cloud).kms(action), { body });
const describeOrders = () => kms('describe-key', { key_id: orders });

async function statuses(count: number): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < count; i++) seen.push((await describeOrders()).status);
  return seen;
}

describe('fault injection', () => {
  it('fails every call at rate 1, before the change is applied', async () => {
    cloud.setFaults({ rate: { '500': 1 } });
    const response = await kms('update-key-description', { key_id: orders, key_description: 'never applied' });
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ error: { error_code: 'KMS.0101', error_msg: 'KMS error.' } });
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(cloud.state.keys.get(orders)!.key_description).toBe('');
    expect(cloud.state.traces).toEqual([]);
  });

  it('throttles with 429 and Retry-After', async () => {
    cloud.setFaults({ rate: { '429': 1 }, retryAfterSeconds: 3 });
    const response = await describeOrders();
    expect(response.status).toBe(429);
    expect(response.headers['retry-after']).toBe('3');
    expect(response.body.error_code).toBe('APIGW.0308');
  });

  it('answers 502, 503 and 504 as the gateway or the service would', async () => {
    cloud.setFaults({ rate: { '502': 1 } });
    expect(await describeOrders()).toMatchObject({ status: 502, body: { error_code: 'APIGW.0202' } });
    cloud.setFaults({ rate: { '503': 1 } });
    expect(await describeOrders()).toMatchObject({ status: 503, body: { error: { error_code: 'KMS.0104' } } });
    cloud.setFaults({ rate: { '504': 1 } });
    expect(await describeOrders()).toMatchObject({ status: 504, body: { error_code: 'APIGW.0203' } });
    cloud.setFaults({ rate: { '500': 1 } });
    const csbs = await call(cloud, 'GET', paths(cloud).checkpointItems);
    expect(csbs).toMatchObject({ status: 500, body: { error_code: 'CSBS.9999' } });
  });

  it('resets the connection', async () => {
    cloud.setFaults({ rate: { reset: 1 } });
    await expect(describeOrders()).rejects.toThrow();
    cloud.setFaults(undefined);
    expect((await describeOrders()).status).toBe(200);
  });

  it("'after' applies the change, records its trace, then fails: a retry with the same sequence gets the stored answer", async () => {
    const sequence = '5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d';
    cloud.setFaults({ rate: { '504': 1 }, when: 'after' });
    const lost = await kms('schedule-key-deletion', { key_id: orders, pending_days: '30', sequence });
    expect(lost.status).toBe(504);
    expect(cloud.state.keys.get(orders)!.key_state).toBe('4');
    expect(cloud.state.traces.map((t) => t.cts.trace_name)).toEqual(['scheduleKeyDeletion']);

    cloud.setFaults(undefined);
    const retry = await kms('schedule-key-deletion', { key_id: orders, pending_days: '30', sequence });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual({ key_id: orders, key_state: '4' });
    expect(cloud.state.traces).toHaveLength(1);
  });

  it("'after' with a reset loses the response of an applied change", async () => {
    cloud.setFaults({ rate: { reset: 1 }, when: 'after', operations: ['kms.disableKey'] });
    await expect(kms('disable-key', { key_id: orders })).rejects.toThrow();
    expect(cloud.state.keys.get(orders)!.key_state).toBe('3');
  });

  it('is deterministic under a seed', async () => {
    const config: FaultConfig = { seed: 42, rate: { '500': 0.3, '503': 0.2 } };
    cloud.setFaults(config);
    const first = await statuses(30);
    cloud.setFaults(config);
    const second = await statuses(30);
    expect(second).toEqual(first);
    expect(new Set(first)).toEqual(new Set([200, 500, 503]));
    cloud.setFaults({ ...config, seed: 7 });
    expect(await statuses(30)).not.toEqual(first);
  });

  it("'both' splits faults between before and after, deterministically", async () => {
    const states: string[] = [];
    for (let run = 0; run < 2; run++) {
      cloud.reset();
      cloud.setFaults({ seed: 3, rate: { '500': 1 }, when: 'both', operations: ['kms.disableKey', 'kms.enableKey'] });
      for (let i = 0; i < 10; i++) {
        const key = cloud.state.keys.get(orders)!;
        await kms(key.key_state === '2' ? 'disable-key' : 'enable-key', { key_id: orders });
        states.push(cloud.state.keys.get(orders)!.key_state);
      }
    }
    expect(states.slice(0, 10)).toEqual(states.slice(10));
    expect(cloud.state.traces.length).toBeGreaterThan(0);
    expect(cloud.state.traces.length).toBeLessThan(10);
  });

  it('only touches the listed operations, and never the admin routes', async () => {
    cloud.setFaults({ rate: { '500': 1 }, operations: ['kms.listKeys'] });
    expect((await kms('list-keys', {})).status).toBe(500);
    expect((await describeOrders()).status).toBe(200);
    cloud.setFaults({ rate: { '500': 1 } });
    expect((await call(cloud, 'GET', '/__admin/state', { credentials: null })).status).toBe(200);
    expect((await call(cloud, 'GET', '/__admin/stats', { credentials: null })).status).toBe(200);
  });

  it('adds latency without failing calls', async () => {
    cloud.setFaults({ latencyMs: 5 });
    expect((await describeOrders()).status).toBe(200);
  });

  it('refuses an invalid configuration', () => {
    expect(() => cloud.setFaults({ rate: { '500': 0.8, '502': 0.5 } })).toThrow(/more than 1/);
    expect(() => cloud.setFaults({ rate: { '418': 1 } } as unknown as FaultConfig)).toThrow();
    expect(() => cloud.setFaults({ when: 'sometimes' } as unknown as FaultConfig)).toThrow();
  });

  it('can be given at start', async () => {
    const faulty = await startCloud({ faults: { rate: { '503': 1 } } });
    try {
      const response = await call(faulty, 'POST', paths(faulty).kms('list-keys'), { body: {} });
      expect(response.status).toBe(503);
    } finally {
      await faulty.close();
    }
  });
});

describe('mulberry32', () => {
  it('repeats its sequence for a seed and stays within [0, 1)', () => {
    const a = mulberry32(123);
    const b = mulberry32(123);
    const values = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(values);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(Math.abs(values.reduce((s, v) => s + v, 0) / values.length - 0.5)).toBeLessThan(0.05);
  });
});
