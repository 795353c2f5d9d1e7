import { describe, expect, it } from 'vitest';
import { ctsTimeToDate, ctsTimeToIsoDate, toIsoDate, tryCtsTimeToDate } from '../../../shared/triggers/time.ts';

describe('CTS time', () => {
  it.each([
    [1529996047, '2018-06-26T06:54:07.000Z'],
    [1765788999507, '2025-12-15T08:56:39.507Z'],
    ['1765788999507', '2025-12-15T08:56:39.507Z'],
    ['1529996047', '2018-06-26T06:54:07.000Z'],
    [1529996047.25, '2018-06-26T06:54:07.250Z'],
    ['2016/12/08 11:07:28 GMT+08:00', '2016-12-08T03:07:28.000Z'],
    ['2016/12/08 11:07:28 GMT-05:30', '2016-12-08T16:37:28.000Z'],
    ['2016/12/08 11:07:28 GMT', '2016-12-08T11:07:28.000Z'],
    ['2016/12/08 11:07:28', '2016-12-08T11:07:28.000Z'],
    ['2016-12-01T03:04:38.437Z', '2016-12-01T03:04:38.437Z'],
    ['2023-06-01T08:30:00+08:00', '2023-06-01T00:30:00.000Z'],
  ])('%j → %s', (input, iso) => {
    expect(ctsTimeToDate(input).toISOString()).toBe(iso);
  });

  it.each(['', 'yesterday', '2016/02/30 10:00:00 GMT+08:00', '2016/12/08 25:07:28', '2016/12/08 11:07:28 GMT+15:00', -5, Number.NaN, Infinity])(
    'rejects %j',
    (input) => {
      expect(tryCtsTimeToDate(input)).toBeUndefined();
      expect(() => ctsTimeToDate(input as string)).toThrow(RangeError);
    },
  );

  it('ignores values of other types', () => {
    expect(tryCtsTimeToDate(null)).toBeUndefined();
    expect(tryCtsTimeToDate({})).toBeUndefined();
  });

  it('gives the UTC calendar date', () => {
    expect(ctsTimeToIsoDate('2016/12/08 01:07:28 GMT+08:00')).toBe('2016-12-07');
    expect(toIsoDate(new Date('2024-02-29T23:59:59Z'))).toBe('2024-02-29');
  });
});
