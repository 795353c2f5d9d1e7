import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { codeDigest, unzip, zip } from '../../deploy/zip.ts';

const example = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'show-function-code-example.json'), 'utf8')) as {
  code_size: number;
  digest: string;
  func_code: { file: string };
};

const files = () => [
  { name: 'index.js', data: Buffer.from("'use strict';\nmodule.exports = require('./bundle.js');\n") },
  { name: 'bundle.js', data: Buffer.from(`exports.handler = async () => 1;\n${'// padding\n'.repeat(5_000)}`) },
  { name: 'package.json', data: Buffer.from('{ "type": "commonjs" }\n') },
];

describe('zip', () => {
  it('is byte-for-byte the same for the same files, whenever it is made', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('2021-03-04T05:06:08Z'));
      const first = zip(files());
      vi.setSystemTime(new Date('2031-11-12T13:14:16Z'));
      const second = zip(files());
      expect(codeDigest(second)).toBe(codeDigest(first));
      expect(second.equals(first)).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('stamps every entry 1980-01-01 00:00 and -rw-r--r--, in the order given', () => {
    const entries = unzip(zip(files()));
    expect(entries.map((e) => e.name)).toEqual(['index.js', 'bundle.js', 'package.json']);
    for (const entry of entries) expect({ time: entry.dosTime, date: entry.dosDate, mode: entry.mode.toString(8) }).toEqual({ time: 0, date: 33, mode: '100644' });
  });

  it('round-trips through unzip (CRC-32 checked) and passes `unzip -t`', () => {
    const archive = zip(files());
    expect(unzip(archive).map((e) => [e.name, e.data.toString('base64')])).toEqual(files().map((f) => [f.name, f.data.toString('base64')]));
    const dir = mkdtempSync(join(tmpdir(), 'warden-zip-'));
    try {
      writeFileSync(join(dir, 'f.zip'), archive);
      const test = spawnSync('unzip', ['-t', join(dir, 'f.zip')], { encoding: 'utf8' });
      if (test.error && (test.error as NodeJS.ErrnoException).code === 'ENOENT') return; // no unzip here: unzip() above is the check
      expect(test.status, test.stdout + test.stderr).toBe(0);
      expect(test.stdout).toContain('No errors detected');
      expect(execFileSync('unzip', ['-Z1', join(dir, 'f.zip')], { encoding: 'utf8' }).trim().split('\n')).toEqual(['index.js', 'bundle.js', 'package.json']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a name given twice', () => {
    expect(() => zip([...files(), { name: 'index.js', data: Buffer.alloc(1) }])).toThrow('zip: index.js is given twice');
  });

  it('unzip refuses a damaged archive', () => {
    const archive = zip(files());
    const damaged = Buffer.from(archive);
    damaged[40]! ^= 0xff; // inside index.js's compressed bytes
    expect(() => unzip(damaged)).toThrow();
    expect(() => unzip(Buffer.from('not a zip'))).toThrow('not a zip');
  });
});

describe('codeDigest', () => {
  it("is what FunctionGraph reports as digest: the SHA-512 of the zip as uploaded (ShowFunctionCode's documented example)", () => {
    const archive = Buffer.from(example.func_code.file, 'base64');
    expect(archive.length).toBe(example.code_size);
    expect(codeDigest(archive)).toBe(example.digest);
    // Not of the file inside it.
    const [entry] = unzip(archive);
    expect(entry?.name).toBe('index.py');
    expect(createHash('sha512').update(entry!.data).digest('hex')).not.toBe(example.digest);
  });
});
