import { describe, expect, it } from 'vitest';
import { ArrayFieldSplitter, MalformedJsonError } from '../../../shared/hwc/json-stream.ts';

/** Splits `text` into chunks of the given sizes (cycled) and reads it; the streamed array is put back in place. */
function read(text: string, field: string, sizes: readonly number[]): unknown {
  const items: unknown[] = [];
  const splitter = new ArrayFieldSplitter(field, (value, index) => {
    expect(index).toBe(items.length);
    items.push(value);
  });
  const bytes = Buffer.from(text);
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const size = sizes[k % sizes.length]!;
    splitter.push(bytes.subarray(at, at + size));
    at += size;
  }
  const { envelope, streamed } = splitter.end();
  if (streamed) (envelope as Record<string, unknown>)[field] = items;
  return envelope;
}

/** Every chunk size from 1 byte to the whole body, and an irregular pattern. */
const SPLITS: readonly (readonly number[])[] = [[1], [2], [3], [5, 1, 7, 2], [64], [1 << 20]];

describe('ArrayFieldSplitter', () => {
  it.each([
    ['strings holding brackets, quotes, commas and escapes', '{"count":4,"backups":[{"name":"a,]}\\"[{\\\\","x":[1,[2,{"y":"}"}]]},"s\\\\",null,{"u":"\\u005d\\u0022"}]}'],
    ['an empty array, and the same key nested in the envelope', ' { "backups" : [ ] , "other" : { "backups" : [ 1 ] } } '],
    ['a key written with escapes', '{"b\\u0061ckups":[1,2],"x":"\\"backups\\":["}'],
    ['multi-byte text and a byte order mark', '\ufeff{"backups":[{"名前":"日本語 ✓ 😀"},"é"]}'],
    ['numbers, booleans and whitespace between elements', '{"backups":[ 1 ,\n-2.5e3\t, true , false,null ]}'],
    ['no such field', '{"servers":[{"id":"s"}],"count":1}'],
    ['the field not an array', '{"backups":{"a":[1]},"count":0}'],
    ['a bare array', '[{"backups":[1]}]'],
  ])('reads %s as JSON.parse does, at any chunk boundary', (_, text) => {
    const expected = JSON.parse(text.replace(/^\ufeff/, ''));
    for (const sizes of SPLITS) expect(read(text, 'backups', sizes)).toEqual(expected);
  });

  it('reads every split point of a page the same', () => {
    const text = JSON.stringify({ count: 2, backups: [{ id: 'b"1', children: [{ id: '[c]' }] }, { id: 'b\\2', resource_name: '},{' }] });
    for (let size = 1; size <= text.length; size++) expect(read(text, 'backups', [size])).toEqual(JSON.parse(text));
  });

  it('hands on each element before the body has ended', () => {
    const seen: unknown[] = [];
    const splitter = new ArrayFieldSplitter('backups', (value) => seen.push(value));
    splitter.push(Buffer.from('{"backups":[{"id":"a"},{"id":'));
    expect(seen).toEqual([{ id: 'a' }]);
    splitter.push(Buffer.from('"b"}]}'));
    expect(seen).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(splitter.end()).toEqual({ envelope: { backups: [] }, streamed: true });
  });

  it.each([
    ['a body cut inside an element', '{"backups":[{"id":"a"},{"id":', /ends before its JSON does/],
    ['a body cut inside a string', '{"backups":[{"id":"a}]}', /ends before its JSON does/],
    ['a body cut after the array', '{"backups":[1]', /ends before its JSON does/],
    ['an empty element', '{"backups":[1,,2]}', /an empty element in "backups" after element 1/],
    ['a trailing comma', '{"backups":[1,]}', /an empty element/],
    ['a leading comma', '{"backups":[,1]}', /an empty element/],
    ['two values in one element', '{"backups":[1 2]}', /element 0 of "backups" is not valid JSON/],
    ['a broken literal', '{"backups":[{"a":tru}]}', /element 0 of "backups" is not valid JSON/],
    ['an element closing more than it opened', '{"backups":[{]}]}', /closes more than it opened/],
    ['the field twice', '{"backups":[1],"backups":[2]}', /"backups" appears twice/],
    ['a bracket closing nothing', '{"backups":[1]}}', /closes what was never opened/],
    ['text after the answer', '{"backups":[1]} x', /the body is not valid JSON/],
    ['a broken envelope', '{"count":,"backups":[1]}', /the body is not valid JSON/],
  ])('refuses %s, whatever the chunks', (_, text, message) => {
    for (const sizes of SPLITS) {
      let error: unknown;
      try {
        read(text, 'backups', sizes);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(MalformedJsonError);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('passes on what the element handler throws, and reads a blank body as none', () => {
    const splitter = new ArrayFieldSplitter('backups', () => {
      throw new Error('backups.0.id: required');
    });
    expect(() => splitter.push(Buffer.from('{"backups":[{}]}'))).toThrow('backups.0.id: required');
    const blank = new ArrayFieldSplitter('backups', () => undefined);
    blank.push(Buffer.from(' \n'));
    expect(blank.end()).toEqual({ envelope: undefined, streamed: false });
  });
});
