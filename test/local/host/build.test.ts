import { cpSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildFunctions } from '../../../deploy/build.ts';
import { buildForHost } from '../../../local/host/build.ts';
import { closeRigs, startRig, TEST_SERVICE } from './helpers.ts';

/** npm start runs the zips `warden deploy` would upload, built at start and reused while their inputs stand still. */

const scratch: string[] = [];
afterEach(async () => {
  await closeRigs();
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the test service and an empty build cache of its own. */
function copyOfService(): { root: string; cacheDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'warden-host-build-'));
  scratch.push(dir);
  const root = join(dir, 'service');
  // Timestamps kept: a file saved just now is not trusted to be what a build read (see below).
  cpSync(TEST_SERVICE, root, { recursive: true, preserveTimestamps: true });
  return { root, cacheDir: join(dir, 'cache') };
}

const NAMES = ['echo', 'boom', 'odd', 'slow', 'keys'];

describe('the host runs what deploy would upload', () => {
  it('builds the zips deploy builds, reuses them while nothing changed, and rebuilds only the function whose source changed', async () => {
    const { root, cacheDir } = copyOfService();
    const first = await buildForHost(root, NAMES, { cacheDir });
    expect(first.map((b) => [b.name, b.reused])).toEqual(NAMES.map((name) => [name, false]));
    const deployed = await buildFunctions(root, join(root, 'dist'));
    expect(Object.fromEntries(first.map((b) => [b.name, b.digest]))).toEqual(Object.fromEntries(deployed.map((b) => [b.name, b.digest])));

    const again = await buildForHost(root, NAMES, { cacheDir });
    expect(again.every((b) => b.reused)).toBe(true);
    expect(again.map((b) => b.digest)).toEqual(first.map((b) => b.digest));

    writeFileSync(join(root, 'functions', 'odd.ts'), 'export const handler = async () => ({ hello: "changed" });\n');
    const changed = await buildForHost(root, NAMES, { cacheDir });
    expect(changed.filter((b) => !b.reused).map((b) => b.name)).toEqual(['odd']);
    expect(changed.find((b) => b.name === 'odd')?.digest).not.toBe(first.find((b) => b.name === 'odd')?.digest);
    // Saved less than a second before that build (it might have been saved while esbuild read it): built again.
    expect((await buildForHost(root, NAMES, { cacheDir })).filter((b) => !b.reused).map((b) => b.name)).toEqual(['odd']);
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(root, 'functions', 'odd.ts'), past, past);
    await buildForHost(root, NAMES, { cacheDir });
    expect((await buildForHost(root, NAMES, { cacheDir })).every((b) => b.reused)).toBe(true);

    // Building one function (warden invoke) keeps what the others' last build recorded.
    writeFileSync(join(root, 'functions', 'odd.ts'), 'export const handler = async () => ({ hello: "again" });\n');
    utimesSync(join(root, 'functions', 'odd.ts'), past, past);
    expect((await buildForHost(root, ['odd'], { cacheDir })).map((b) => b.reused)).toEqual([false]);
    expect((await buildForHost(root, NAMES, { cacheDir })).every((b) => b.reused)).toBe(true);
  });

  it('rebuilds every function when a setting around the sources changes (tsconfig.json), which esbuild does not list as an input', async () => {
    const { root, cacheDir } = copyOfService();
    await buildForHost(root, NAMES, { cacheDir });
    expect((await buildForHost(root, NAMES, { cacheDir })).every((b) => b.reused)).toBe(true);
    writeFileSync(join(root, 'tsconfig.json'), '{ "compilerOptions": { "useDefineForClassFields": false } }\n');
    expect((await buildForHost(root, NAMES, { cacheDir })).some((b) => b.reused)).toBe(false);
  });

  it('runs the zip built at start: a source edited afterwards changes nothing until the next start', async () => {
    const { root, cacheDir } = copyOfService();
    const { host } = await startRig({ root, buildCacheDir: cacheDir });
    const echo = host.functions.find((fn) => fn.name === 'echo');
    expect(echo?.snapshot.handler).toBe('index.handler');
    writeFileSync(join(root, 'functions', 'odd.ts'), 'export const handler = async () => ({ statusCode: 200, headers: {}, body: "edited" });\n');
    expect((await fetch(`${host.url}/odd/binary`)).status).toBe(201);
    await closeRigs();
    const { host: restarted } = await startRig({ root, buildCacheDir: cacheDir });
    const answer = await fetch(`${restarted.url}/odd/binary`);
    expect([answer.status, await answer.text()]).toEqual([200, 'edited']);
  });

  it('a function that does not build stops the start, naming the function and its source', async () => {
    const { root, cacheDir } = copyOfService();
    writeFileSync(join(root, 'functions', 'boom.ts'), 'export const handler = async () => { return (;\n');
    await expect(startRig({ root, buildCacheDir: cacheDir })).rejects.toThrow(/function boom: esbuild could not bundle functions\/boom\.ts/);
  });
});
