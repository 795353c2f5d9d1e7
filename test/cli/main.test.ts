import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { warden } from './support.ts';

/** The `warden` command's text output, in process: what came from outside never reaches the terminal raw. */

const dir = mkdtempSync(join(tmpdir(), 'warden-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RAW_CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('warden, text output', () => {
  it('escapes control characters and bidi overrides from an event in its error message', async () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"x": \u001b[2J\u001b]0;pwned\u0007\u202e}');
    const { code, stderr } = await warden('invoke', 'tag-new-keys', '--event', file, '--local');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^warden invoke: the event in .* is not valid JSON: /);
    expect(stderr.trimEnd()).not.toMatch(RAW_CONTROLS);
    expect(stderr).toContain('\\u001b[2J');
  });

  it('escapes what JSON leaves raw (DEL, C1 controls, bidi marks) in the report it prints', async () => {
    const file = join(dir, 'odd.json');
    writeFileSync(file, JSON.stringify({ trigger_type: 'X\u202etxt.exe\u009b2J\u007f' }));
    const { code, stdout } = await warden('invoke', 'tag-new-keys', '--event', file, '--local');
    expect(code).toBe(1); // an event of no trigger of the function
    expect(stdout.trimEnd()).not.toMatch(RAW_CONTROLS);
    // Still JSON, and the same value.
    expect(JSON.parse(stdout)).toMatchObject({ ignored: true, reason: 'trigger_type "X\u202etxt.exe\u009b2J\u007f"' });
  });
});
