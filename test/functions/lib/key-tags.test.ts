import { describe, expect, it } from 'vitest';
import { fitTags, formatTags, sanitizeTags, sanitizeTagKey, sanitizeTagValue, truncateChars } from '../../../functions/lib/key-tags.ts';

describe('tag values are made valid (BatchCreateKmsTags rules)', () => {
  it('strips ASCII 0–31 and * < > \\ =', () => {
    expect(sanitizeTagValue('a*b<c>d\\e=f\u0000g\u001fh\ti\nj')).toBe('abcdefghij');
    expect(sanitizeTagKey('team=*ops*')).toBe('teamops');
  });

  it('counts Unicode characters (code points), not UTF-16 units', () => {
    const emoji = '🔑'.repeat(50); // 50 characters, 100 UTF-16 units
    expect([...sanitizeTagValue(emoji)]).toHaveLength(43);
    expect([...sanitizeTagKey(emoji)]).toHaveLength(36);
    expect(sanitizeTagValue('🔑'.repeat(43))).toBe('🔑'.repeat(43));
    expect(truncateChars('ab🔑cd', 3)).toBe('ab🔑');
  });

  it('drops keys that are empty once made valid; the first of two equal keys wins', () => {
    const result = sanitizeTags([
      { key: '***', value: 'x' },
      { key: 'team', value: 'a' },
      { key: 'te=am', value: 'b' },
    ]);
    expect(result.tags).toEqual([{ key: 'team', value: 'a' }]);
    expect(result.dropped).toEqual(['***']);
  });
});

describe('fitTags', () => {
  const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: 'v' }));

  it('never overwrites a key the resource already has', () => {
    const fit = fitTags([{ key: 'owner', value: 'bob' }], [
      { key: 'owner', value: 'alice' },
      { key: 'env', value: 'prod' },
    ]);
    expect(fit.add).toEqual([{ key: 'env', value: 'prod' }]);
    expect(fit.kept).toEqual([{ key: 'owner', value: 'alice' }]);
    expect(fit.overLimit).toEqual([]);
  });

  it('adds in priority order up to 10 tags and leaves the rest', () => {
    const fit = fitTags(tags(8), [
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
      { key: 'c', value: '3' },
    ]);
    expect(fit.add.map((t) => t.key)).toEqual(['a', 'b']);
    expect(fit.overLimit.map((t) => t.key)).toEqual(['c']);
    expect(fitTags(tags(10), [{ key: 'a', value: '1' }]).overLimit).toHaveLength(1);
  });

  it('formats tags for reports', () => {
    expect(formatTags([{ key: 'a', value: '1' }, { key: 'b', value: '' }])).toBe('a=1, b=');
  });
});
