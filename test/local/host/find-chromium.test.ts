import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findChromium } from '../../support/chromium.ts';

/** The browser test runs beyond Debian: Chromium from CHROME_PATH or PATH under any usual name, or a clear failure. */

const dir = mkdtempSync(join(tmpdir(), 'warden-find-chromium-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function executable(name: string): string {
  const path = join(dir, name);
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, 0o755);
  return path;
}

describe('findChromium', () => {
  it('takes CHROME_PATH first, then the usual names on PATH', () => {
    const browser = executable('chromium-browser');
    const chrome = executable('my-chrome');
    expect(findChromium({ PATH: ['/nonexistent', dir].join(delimiter) }, 'linux')).toBe(browser);
    expect(findChromium({ PATH: dir, CHROME_PATH: chrome }, 'linux')).toBe(chrome);
  });

  it('fails naming CHROME_PATH and an install command when none is found', () => {
    expect(() => findChromium({ PATH: '/nonexistent' }, 'linux')).toThrow(/no Chromium found .*apt-get install -y chromium.* or set CHROME_PATH/);
    // (On a Mac, its installed applications would be found.)
    if (process.platform !== 'darwin') expect(() => findChromium({ PATH: '/nonexistent' }, 'darwin')).toThrow(/brew install --cask chromium/);
    expect(() => findChromium({ CHROME_PATH: join(dir, 'missing') }, 'linux')).toThrow(/CHROME_PATH=.*missing is not an executable file/);
  });
});
