import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseFixture } from '../../../local/cloud/index.ts';
import { demoFixture, demoKeyId } from '../../../local/host/index.ts';
import { signWebhook } from '../../../shared/runtime/webhook-auth.ts';
import { REPO_ROOT } from './helpers.ts';

/** `warden start` as a person runs it: a child process, its output, Ctrl-C. */

interface Child {
  readonly process: ChildProcessWithoutNullStreams;
  stdout: string;
  stderr: string;
  readonly exited: Promise<number | null>;
}

const children: Child[] = [];
const servers: Server[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.process.exitCode === null) child.process.kill('SIGKILL');
    await child.exited;
  }
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

function warden(args: string[], env: Record<string, string> = {}): Child {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('WARDEN_') && name !== 'PORT' && !name.startsWith('HUAWEICLOUD_')));
  const proc = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'warden.js'), ...args], { cwd: REPO_ROOT, env: { ...clean, NO_COLOR: '1', ...env } });
  const child: Child = {
    process: proc,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => proc.once('exit', (code) => resolve(code))),
  };
  proc.stdout.setEncoding('utf8').on('data', (text: string) => (child.stdout += text));
  proc.stderr.setEncoding('utf8').on('data', (text: string) => (child.stderr += text));
  children.push(child);
  return child;
}

/** Resolves once stdout matches `pattern` (or rejects when the process ends first). */
function output(child: Child, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = child.stdout.match(pattern);
      if (match) {
        child.process.stdout.off('data', check);
        resolve(match);
      }
    };
    child.process.stdout.on('data', check);
    void child.exited.then(() => reject(new Error(`warden exited before printing ${pattern}\nstdout:\n${child.stdout}\nstderr:\n${child.stderr}`)));
    check();
  });
}

function busyPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    servers.push(server);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}

describe('warden start', () => {
  it('prints the URLs, credentials and each function\'s webhook secret, runs the timers once, serves, and stops cleanly on SIGINT', async () => {
    const child = warden(['start', '--port', '0', '--cloud-port', '0']);
    const [, hostUrl] = await output(child, /status page\s+(http:\/\/127\.0\.0\.1:\d+)\//);
    const [, cloudUrl] = await output(child, /local cloud\s+(http:\/\/127\.0\.0\.1:\d+)\s/);
    expect(hostUrl).not.toBe('http://127.0.0.1:0');
    expect(child.stdout).toContain(`export HUAWEICLOUD_ENDPOINT_URL=${cloudUrl} HUAWEICLOUD_REGION=cn-north-4`);
    expect(child.stdout).toMatch(/export HUAWEICLOUD_SDK_AK=\S+ HUAWEICLOUD_SDK_SK=\S+/);
    expect(child.stdout).toMatch(/demo data: 30 keys, 6 secrets, 9 events, 8 servers/);
    for (const name of ['tag-new-keys', 'guard-key-deletion', 'prune-orphan-events', 'check-restorable']) expect(child.stdout).toContain(`  ${name} `);
    // One secret per function, and one signed curl per function reading its own.
    const [, secret] = await output(child, /export WARDEN_WEBHOOK_SECRET_CHECK_RESTORABLE=(\S+)/);
    for (const name of ['tag-new-keys', 'guard-key-deletion', 'prune-orphan-events', 'check-restorable']) {
      const variable = `WARDEN_WEBHOOK_SECRET_${name.toUpperCase().replaceAll('-', '_')}`;
      expect(child.stdout).toMatch(new RegExp(`export ${variable}=\\S{16,}`));
      expect(child.stdout).toContain(`curl -s -X POST '${hostUrl}/warden/${name}' -H "X-Warden-Signature: t=$t,v1=$(printf '%s' "$t.$body" | openssl dgst -sha256 -hmac "$${variable}"`);
    }
    expect(child.stdout).not.toMatch(/export WARDEN_WEBHOOK_SECRET=/);

    // The start runs show in the live log: one line per invocation, per action, and a summary.
    await output(child, /guard-key-deletion\s+timer\s+[✔✖] \w+: .* in \d+ ms/);
    expect(child.stdout).toMatch(/guard-key-deletion\s+timer\s+applied\s+cancel-deletion\s+prod-orders \([0-9a-f]{8}…\)\s+protected: alias prod-orders matches prod-\*/);

    // The printed secret is the one check-restorable checks, and only check-restorable.
    const signed = await fetch(`${hostUrl}/warden/check-restorable`, { method: 'POST', headers: { 'x-warden-signature': signWebhook('', secret as string) }, body: '' });
    expect(signed.status).toBe(200);
    const elsewhere = await fetch(`${hostUrl}/warden/prune-orphan-events`, { method: 'POST', headers: { 'x-warden-signature': signWebhook('', secret as string) }, body: '' });
    expect(elsewhere.status).toBe(401);
    expect((await fetch(`${hostUrl}/`)).headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect((await fetch(`${cloudUrl}/__admin/stats`)).status).toBe(200);

    child.process.kill('SIGINT');
    expect(await child.exited).toBe(0);
    expect(child.stdout).toContain('stopped.');
    expect(child.stderr).toBe('');
    await expect(fetch(`${hostUrl}/`)).rejects.toThrow();
    await expect(fetch(`${cloudUrl}/__admin/stats`)).rejects.toThrow();
  });

  it('stops on SIGTERM too', async () => {
    const child = warden(['start'], { PORT: '0', WARDEN_CLOUD_PORT: '0' });
    await output(child, /live log/);
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    expect(child.stdout).toContain('stopped.');
  });

  it('names a busy host port and the option that changes it', async () => {
    const port = await busyPort();
    const child = warden(['start', '--port', String(port), '--cloud-port', '0']);
    expect(await child.exited).toBe(1);
    expect(child.stderr).toBe(`warden start: port ${port} is already in use, so the host cannot listen on it; choose another with --port N or PORT=N\n`);
  });

  it('names a busy cloud port and the option that changes it', async () => {
    const port = await busyPort();
    const child = warden(['start', '--port', '0'], { WARDEN_CLOUD_PORT: String(port) });
    expect(await child.exited).toBe(1);
    expect(child.stderr).toContain(`port ${port} is already in use, so the local cloud cannot listen on it; choose another with --cloud-port N or WARDEN_CLOUD_PORT=N`);
  });

  it('refuses bad options with a clear message', async () => {
    const child = warden(['start', '--port', 'abc']);
    expect(await child.exited).toBe(1);
    expect(child.stderr).toContain('--port must be a port number 0–65535, got "abc"');
  });
});

describe('the demo data', () => {
  it('is a valid fixture with the cases the demo shows', () => {
    const fixture = parseFixture(demoFixture(new Date('2024-05-01T12:00:00Z')));
    const keys = fixture.keys ?? [];
    const key = (alias: string) => keys.find((k) => k.key_alias === alias);
    expect(keys).toHaveLength(30);
    expect(new Set(keys.map((k) => k.key_id)).size).toBe(30);
    expect(keys.filter((k) => k.key_alias.endsWith('/default')).length).toBeGreaterThanOrEqual(1);
    // Pending deletion: in use by a secret, protected by tag, by alias glob, and unprotected.
    const pending = keys.filter((k) => k.key_state === '4').map((k) => k.key_alias);
    expect(pending.sort()).toEqual(['app/payments-db', 'billing/archive', 'prod-orders', 'tmp/load-test-2023']);
    expect(fixture.secrets?.some((s) => s.kms_key_id === demoKeyId('app/payments-db'))).toBe(true);
    expect(key('billing/archive')?.tags?.['deletion-protection']).toBe('true');
    expect(new Set(keys.map((k) => k.key_state ?? '2'))).toEqual(new Set(['2', '3', '4', '5']));
    // Events: referenced, orphaned and old, orphaned but young.
    const referenced = new Set((fixture.secrets ?? []).flatMap((s) => s.event_subscriptions ?? []));
    const now = Date.parse('2024-05-01T12:00:00Z');
    const orphans = (fixture.events ?? []).filter((e) => !referenced.has(e.name));
    expect(orphans.filter((e) => now - (e.create_time ?? 0) > 7 * 86_400_000).length).toBeGreaterThanOrEqual(3);
    expect(orphans.filter((e) => now - (e.create_time ?? 0) < 7 * 86_400_000).map((e) => e.name)).toEqual(['new-team-alerts']);
    expect((fixture.events ?? []).filter((e) => referenced.has(e.name)).length).toBeGreaterThanOrEqual(2);
    expect(fixture.servers?.map((s) => s.name)).toEqual(['web-01', 'db-01', 'batch-01', 'cache-01', 'bastion-01', 'report-01', 'archive-01', 'scratch-01']);
    expect(fixture.vaults?.[0]?.resources).toHaveLength(6);
    expect(fixture.backups?.map((b) => b.resource_name)).toEqual(['web-01', 'web-01', 'db-01', 'batch-01', 'cache-01', 'report-01', 'archive-01']);
  });
});
