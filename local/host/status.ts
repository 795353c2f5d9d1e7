import type { LocalCloud } from '../cloud/index.ts';
import type { HostedFunction } from './functions.ts';
import type { InvocationRecord, Journal, TargetHistory } from './journal.ts';
import { describeSchedule } from './schedule.ts';
import type { TimerJob } from './timers.ts';
import { signedCurl, webhookSecretVariable } from './webhook-secrets.ts';

/**
 * What the status page shows, as JSON (`GET /__warden/status`): the functions and their triggers, recent
 * invocations, and the local cloud's state next to the last action a function took on each resource. It
 * carries no credentials and no webhook secret.
 */

export interface TriggerView {
  readonly type: 'APIG' | 'TIMER' | 'CTS';
  readonly name: string;
  /** `POST /warden/x`, `every 1h`, `KMS:cmk:createKey`. */
  readonly summary: string;
  /** ISO time of the next tick (TIMER). */
  readonly nextAt?: string;
}

export interface FunctionView {
  readonly name: string;
  readonly description: string;
  readonly timeoutSeconds: number;
  readonly running: boolean;
  readonly triggers: readonly TriggerView[];
  /** The function's last run; requests refused before it ran (a bad signature: `rejected`) do not count. */
  readonly lastRun?: { readonly outcome: string; readonly started: string };
  /** Webhook requests refused (4xx: unsigned, bad signature, bad body) among the recent invocations. */
  readonly rejectedRequests: number;
  /** A signed curl for the function's webhook; it reads the secret from `secretVariable`, never carries it. */
  readonly webhook?: { readonly secretVariable: string; readonly curl: string };
}

export interface KeyView {
  readonly id: string;
  readonly alias: string;
  readonly state: string;
  readonly stateLabel: string;
  readonly isDefault: boolean;
  readonly description: string;
  readonly tags: ReadonlyArray<readonly [string, string]>;
  /** Epoch ms. */
  readonly created: number;
  readonly deletionDate?: number;
  readonly usedBy: readonly string[];
  readonly warden?: TargetHistory;
}

export interface StatusSnapshot {
  readonly generatedAt: string;
  readonly service: string;
  readonly hostUrl: string;
  readonly cloud: { readonly url: string; readonly region: string; readonly projectId: string };
  /** What makes this run differ from the cloud's: a dry run, schedules sped up. Shown as a banner. */
  readonly notices: readonly string[];
  /** SMN notifications the functions published (the embedded SMN keeps them), newest first. */
  readonly notifications: ReadonlyArray<{ topic: string; subject: string; message: string; time: number }>;
  readonly functions: readonly FunctionView[];
  readonly invocations: readonly InvocationRecord[];
  /** Names of the resources the invocations' actions target by id: key aliases, server names. */
  readonly labels: Readonly<Record<string, string>>;
  /** Newest first. */
  readonly keys: readonly KeyView[];
  readonly keyCount: number;
  readonly secrets: ReadonlyArray<{ name: string; keyId: string; keyAlias: string; events: readonly string[] }>;
  readonly events: ReadonlyArray<{ name: string; created: number; types: readonly string[]; referencedBy: readonly string[]; warden?: TargetHistory }>;
  readonly servers: ReadonlyArray<{
    id: string;
    name: string;
    status: string;
    volumes: number;
    backups: number;
    newestBackup?: { id: string; status: string; created: string };
    warden?: TargetHistory;
  }>;
}

export const KEY_STATES: Record<string, string> = {
  '1': 'pending activation',
  '2': 'enabled',
  '3': 'disabled',
  '4': 'pending deletion',
  '5': 'pending import',
};

const MAX_ROWS = 500;
const MAX_INVOCATIONS = 40;

export interface StatusSources {
  readonly service: string;
  readonly hostUrl: string;
  readonly functions: readonly HostedFunction[];
  readonly timers: readonly TimerJob[];
  readonly running: (fn: string) => boolean;
  readonly journal: Journal;
  readonly cloud: LocalCloud;
  /** `--time-scale`: schedules run this many times faster (1: real time). */
  readonly timeScale?: number;
}

const MAX_NOTIFICATIONS = 20;

export function statusSnapshot(sources: StatusSources): StatusSnapshot {
  const { journal, cloud } = sources;
  const invocations = journal.recent();
  const shown = invocations.slice(0, MAX_INVOCATIONS);
  const project = cloud.state.project();

  const usedBy = new Map<string, string[]>();
  const referencedBy = new Map<string, string[]>();
  for (const secret of project.secrets.values()) {
    if (secret.kms_key_id) push(usedBy, secret.kms_key_id, secret.name);
    for (const name of secret.event_subscriptions) push(referencedBy, name, secret.name);
  }

  const newestKeys = [...project.keyOrder].sort((a, b) => Number(b.creation_date) - Number(a.creation_date)).slice(0, MAX_ROWS);
  const keys = newestKeys.map((key): KeyView => {
    const warden = journal.lastRunOn(key.key_id);
    return {
      id: key.key_id,
      alias: key.key_alias,
      state: key.key_state,
      stateLabel: KEY_STATES[key.key_state] ?? key.key_state,
      isDefault: key.default_key_flag === '1',
      description: key.key_description,
      tags: [...key.tags],
      created: Number(key.creation_date),
      ...(key.scheduled_deletion_date ? { deletionDate: Number(key.scheduled_deletion_date) } : {}),
      usedBy: usedBy.get(key.key_id) ?? [],
      ...(warden ? { warden } : {}),
    };
  });

  const newest = new Map<string, { id: string; status: string; created: string }>();
  const backupCount = new Map<string, number>();
  for (const item of project.checkpointOrder) {
    backupCount.set(item.resource_id, (backupCount.get(item.resource_id) ?? 0) + 1);
    if (!newest.has(item.resource_id)) newest.set(item.resource_id, { id: item.id, status: item.status, created: item.created_at });
  }

  return {
    generatedAt: new Date().toISOString(),
    service: sources.service,
    hostUrl: sources.hostUrl,
    cloud: { url: cloud.url, region: cloud.state.region, projectId: project.projectId },
    notices: notices(sources),
    notifications: cloud.state.messages
      .filter((message) => message.project_id === project.projectId)
      .slice(-MAX_NOTIFICATIONS)
      .reverse()
      .map((message) => ({ topic: message.topic_urn.split(':').pop() ?? message.topic_urn, subject: message.subject ?? '', message: message.message, time: message.time })),
    functions: sources.functions.map((fn) => functionView(fn, sources, invocations)),
    invocations: shown,
    labels: targetLabels(shown, cloud),
    keys,
    keyCount: project.keyOrder.length,
    secrets: [...project.secrets.values()].slice(0, MAX_ROWS).map((secret) => ({
      name: secret.name,
      keyId: secret.kms_key_id,
      keyAlias: project.keys.get(secret.kms_key_id)?.key_alias ?? '',
      events: [...secret.event_subscriptions],
    })),
    events: [...project.events.values()].slice(0, MAX_ROWS).map((event) => {
      const warden = journal.lastRunOn(event.name);
      return {
        name: event.name,
        created: event.create_time,
        types: [...event.event_types],
        referencedBy: referencedBy.get(event.name) ?? [],
        ...(warden ? { warden } : {}),
      };
    }),
    servers: [...project.servers.values()].slice(0, MAX_ROWS).map((server) => {
      const warden = journal.lastRunOn(server.id);
      const backup = newest.get(server.id);
      return {
        id: server.id,
        name: server.name,
        status: server.status,
        volumes: server.volumes.length,
        backups: backupCount.get(server.id) ?? 0,
        ...(backup ? { newestBackup: backup } : {}),
        ...(warden ? { warden } : {}),
      };
    }),
  };
}

function functionView(fn: HostedFunction, sources: StatusSources, invocations: readonly InvocationRecord[]): FunctionView {
  const triggers: TriggerView[] = [];
  for (const trigger of fn.triggers) {
    switch (trigger.triggerTypeCode) {
      case 'APIG': {
        const { reqMethod, path, matchMode, name } = trigger.eventData;
        triggers.push({ type: 'APIG', name: name ?? fn.name, summary: `${reqMethod} ${path}${matchMode === 'SWA' ? '*' : ''}` });
        break;
      }
      case 'CTS':
        triggers.push({ type: 'CTS', name: trigger.eventData.name ?? fn.name, summary: trigger.eventData.operations.join(', ') });
        break;
      case 'TIMER':
        break;
    }
  }
  for (const job of sources.timers) {
    if (job.fn !== fn) continue;
    triggers.push({ type: 'TIMER', name: job.name, summary: describeSchedule(job.schedule), ...(job.nextAt ? { nextAt: job.nextAt.toISOString() } : {}) });
  }
  const own = invocations.filter((record) => record.function === fn.name);
  const last = own.find((record) => record.outcome !== 'rejected');
  const route = fn.triggers.find((trigger) => trigger.triggerTypeCode === 'APIG' && ['POST', 'ANY'].includes(trigger.eventData.reqMethod));
  const secretVariable = webhookSecretVariable(fn.name);
  return {
    name: fn.name,
    description: fn.description ?? '',
    timeoutSeconds: fn.timeoutMs / 1000,
    running: sources.running(fn.name),
    triggers,
    rejectedRequests: own.filter((record) => record.outcome === 'rejected').length,
    ...(last ? { lastRun: { outcome: last.outcome, started: last.started } } : {}),
    ...(route?.triggerTypeCode === 'APIG' ? { webhook: { secretVariable, curl: signedCurl(`${sources.hostUrl}${route.eventData.path}`, secretVariable) } } : {}),
  };
}

function notices(sources: StatusSources): string[] {
  const list: string[] = [];
  const dry = sources.functions.filter((fn) => fn.env['WARDEN_DRY_RUN']?.trim().toLowerCase() === 'true').map((fn) => fn.name);
  if (dry.length > 0) {
    const which = dry.length === sources.functions.length ? 'every function' : dry.join(', ');
    list.push(`Dry run: WARDEN_DRY_RUN=true for ${which}; actions are planned and reported, nothing is changed.`);
  }
  const scale = sources.timeScale ?? 1;
  if (scale !== 1) list.push(`Time scale ×${scale}: schedules run ${scale} times ${scale > 1 ? 'faster' : 'slower'} than serverless.yml says.`);
  return list;
}

function targetLabels(invocations: readonly InvocationRecord[], cloud: LocalCloud): Record<string, string> {
  // No prototype: a target named "__proto__" is a key like any other.
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const record of invocations) {
    for (const { target } of record.actions) {
      const label = labelOf(cloud, target);
      if (label !== undefined) labels[target] = label;
    }
  }
  return labels;
}

/** A key's alias or a server's name, for a resource a report names by id. */
export function labelOf(cloud: LocalCloud, target: string): string | undefined {
  return cloud.state.keys.get(target)?.key_alias ?? cloud.state.servers.get(target)?.name;
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
