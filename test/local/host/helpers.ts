import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCloud } from '../../../local/cloud/index.ts';
import type { Fixture, LocalCloud } from '../../../local/cloud/index.ts';
import { startHost } from '../../../local/host/index.ts';
import type { Host, HostEvent, HostOptions, InvocationRecord } from '../../../local/host/index.ts';
import { HuaweiCloud } from '../../../shared/hwc/index.ts';

/** Helpers for driving the host over HTTP, with a fresh local cloud, on random ports. */

export const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
/** A service of tiny functions (echo, boom, odd, slow, keys) for the host's error paths. */
export const TEST_SERVICE = join(import.meta.dirname, 'service');
/** The tests' own build cache (local/host/build.ts), shared by the test files: a tree builds once per change. */
export const TEST_BUILD_CACHE = join(tmpdir(), 'warden-test-host-build');

export interface HostRig {
  readonly cloud: LocalCloud;
  readonly host: Host;
  /** Every event the host emitted, in order. */
  readonly events: HostEvent[];
  close(): Promise<void>;
}

const open: HostRig[] = [];

/** A cloud (default fixture unless given) and a host on port 0; timers don't run at start unless asked. */
export async function startRig(options: Partial<Omit<HostOptions, 'cloud'>> & { fixture?: Fixture } = {}): Promise<HostRig> {
  const { fixture, ...hostOptions } = options;
  const cloud = await startCloud({ port: 0, ...(fixture ? { fixture } : {}) });
  let host: Host;
  try {
    host = await startHost({ cloud, root: REPO_ROOT, port: 0, userEnv: {}, runAtStart: false, buildCacheDir: TEST_BUILD_CACHE, ...hostOptions });
  } catch (error) {
    await cloud.close();
    throw error;
  }
  const events: HostEvent[] = [];
  host.onEvent((event) => events.push(event));
  const rig: HostRig = {
    cloud,
    host,
    events,
    async close() {
      await host.close();
      await cloud.close();
    },
  };
  open.push(rig);
  return rig;
}

export async function closeRigs(): Promise<void> {
  await Promise.all(open.splice(0).map((rig) => rig.close()));
}

/** Resolves with the first event matching `predicate` from now on. */
export function nextEvent<E extends HostEvent>(host: Host, predicate: (event: HostEvent) => event is E): Promise<E>;
export function nextEvent(host: Host, predicate: (event: HostEvent) => boolean): Promise<HostEvent>;
export function nextEvent(host: Host, predicate: (event: HostEvent) => boolean): Promise<HostEvent> {
  return new Promise((resolve) => {
    const stop = host.onEvent((event) => {
      if (!predicate(event)) return;
      stop();
      resolve(event);
    });
  });
}

/** Resolves with the next finished invocation of `fn` (and trigger, when given). */
export async function nextFinished(host: Host, fn: string, trigger?: string): Promise<InvocationRecord> {
  const event = await nextEvent(host, (e) => e.type === 'finished' && e.record.function === fn && (trigger === undefined || e.record.trigger === trigger));
  return (event as Extract<HostEvent, { type: 'finished' }>).record;
}

/** Resolves once `condition` holds, checking now and after every host event. */
export function until(rig: HostRig, condition: () => boolean): Promise<void> {
  if (condition()) return Promise.resolve();
  return new Promise((resolve) => {
    const stop = rig.host.onEvent(() => {
      if (!condition()) return;
      stop();
      resolve();
    });
  });
}

/** A client acting on the cloud as its first user. */
export function userClient(cloud: LocalCloud): HuaweiCloud {
  return new HuaweiCloud({
    region: cloud.identity.region,
    projectId: cloud.identity.projectId,
    credentials: { type: 'aksk', ak: cloud.identity.ak, sk: cloud.identity.sk },
    env: { HUAWEICLOUD_ENDPOINT_URL: cloud.url },
    retry: { attempts: 1 },
  });
}

/** The cloud's resources as JSON, to compare before and after. */
export function cloudSnapshot(cloud: LocalCloud): string {
  return JSON.stringify({ resources: cloud.state.resources(), traces: cloud.state.traces.length });
}
