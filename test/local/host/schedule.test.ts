import { describe, expect, it } from 'vitest';
import { CronError, nextCronTime, parseCron } from '../../../local/host/cron.ts';
import { describeSchedule, nextFire, parseGoDuration, parseRate, parseSchedule, ScheduleError } from '../../../local/host/schedule.ts';
import { isoWithOffset, timerEvent } from '../../../local/host/timers.ts';

/** Cron expressions here are read in UTC (CRON_TZ=UTC) so the tests don't depend on the machine's zone. */
const utc = (expression: string) => parseCron(`CRON_TZ=UTC ${expression}`);
const at = (iso: string) => new Date(iso);
const next = (expression: string, after: string) => nextCronTime(utc(expression), at(after))?.toISOString();

/** The next `n` fire times after `after`. */
function series(expression: string, after: string, n: number): string[] {
  const spec = utc(expression);
  const out: string[] = [];
  let t = at(after);
  for (let i = 0; i < n; i++) {
    t = nextCronTime(spec, t) as Date;
    out.push(t.toISOString());
  }
  return out;
}

describe('cron: fields', () => {
  it('reads serverless.yml\'s daily schedules: sec min hour, "?" for day-of-week', () => {
    expect(next('0 30 3 * * ?', '2024-05-01T00:00:00Z')).toBe('2024-05-01T03:30:00.000Z');
    expect(next('0 30 3 * * ?', '2024-05-01T03:30:00Z')).toBe('2024-05-02T03:30:00.000Z');
    expect(next('0 0 6 * * ?', '2024-12-31T07:00:00Z')).toBe('2025-01-01T06:00:00.000Z');
  });

  it('fires strictly after the given time, at whole seconds', () => {
    expect(next('* * * * * ?', '2024-05-01T00:00:00.000Z')).toBe('2024-05-01T00:00:01.000Z');
    expect(next('* * * * * ?', '2024-05-01T00:00:00.700Z')).toBe('2024-05-01T00:00:01.000Z');
  });

  it('supports lists, ranges, steps and their combinations', () => {
    expect(series('0,15,45 * * * * ?', '2024-05-01T00:00:00Z', 4)).toEqual([
      '2024-05-01T00:00:15.000Z',
      '2024-05-01T00:00:45.000Z',
      '2024-05-01T00:01:00.000Z',
      '2024-05-01T00:01:15.000Z',
    ]);
    expect(series('0 */20 * * * ?', '2024-05-01T00:00:00Z', 3)).toEqual(['2024-05-01T00:20:00.000Z', '2024-05-01T00:40:00.000Z', '2024-05-01T01:00:00.000Z']);
    expect(series('0 0 9-11 * * ?', '2024-05-01T10:30:00Z', 3)).toEqual(['2024-05-01T11:00:00.000Z', '2024-05-02T09:00:00.000Z', '2024-05-02T10:00:00.000Z']);
    expect(series('0 0 8-18/5 * * ?', '2024-05-01T00:00:00Z', 4)).toEqual([
      '2024-05-01T08:00:00.000Z',
      '2024-05-01T13:00:00.000Z',
      '2024-05-01T18:00:00.000Z',
      '2024-05-02T08:00:00.000Z',
    ]);
    // `a/step` runs from a to the end of the range.
    expect(series('10/25 0 0 * * ?', '2024-05-01T00:00:00Z', 3)).toEqual(['2024-05-01T00:00:10.000Z', '2024-05-01T00:00:35.000Z', '2024-05-02T00:00:10.000Z']);
    expect(series('0 0 0 1,15-16 * ?', '2024-05-02T00:00:00Z', 3)).toEqual(['2024-05-15T00:00:00.000Z', '2024-05-16T00:00:00.000Z', '2024-06-01T00:00:00.000Z']);
  });

  it('reads months and weekdays by number or name, any case; 0 is Sunday', () => {
    // 2024-05-01 is a Wednesday.
    expect(next('0 30 8 ? * MON-FRI', '2024-05-03T09:00:00Z')).toBe('2024-05-06T08:30:00.000Z');
    expect(next('0 30 8 ? * 1-5', '2024-05-03T09:00:00Z')).toBe('2024-05-06T08:30:00.000Z');
    expect(next('0 0 12 ? * sun', '2024-05-01T00:00:00Z')).toBe('2024-05-05T12:00:00.000Z');
    expect(next('0 0 12 ? * 0', '2024-05-01T00:00:00Z')).toBe('2024-05-05T12:00:00.000Z');
    expect(next('0 0 0 1 Jan,jul ?', '2024-05-01T00:00:00Z')).toBe('2024-07-01T00:00:00.000Z');
    expect(next('0 0 0 1 12 ?', '2024-05-01T00:00:00Z')).toBe('2024-12-01T00:00:00.000Z');
  });

  it('takes day-of-week as optional', () => {
    expect(next('0 0 6 * *', '2024-05-01T07:00:00Z')).toBe('2024-05-02T06:00:00.000Z');
  });

  it('combines day-of-month and day-of-week: AND when either is * or ?, otherwise OR', () => {
    // Both restricted: the 13th, and every Friday.
    expect(series('0 0 0 13 * FRI', '2024-09-01T00:00:00Z', 3)).toEqual(['2024-09-06T00:00:00.000Z', '2024-09-13T00:00:00.000Z', '2024-09-20T00:00:00.000Z']);
    expect(next('0 0 0 13 * ?', '2024-09-01T00:00:00Z')).toBe('2024-09-13T00:00:00.000Z');
    expect(next('0 0 0 * * FRI', '2024-09-01T00:00:00Z')).toBe('2024-09-06T00:00:00.000Z');
  });

  it('skips months too short for the day', () => {
    expect(series('0 0 0 31 * ?', '2024-01-31T12:00:00Z', 3)).toEqual(['2024-03-31T00:00:00.000Z', '2024-05-31T00:00:00.000Z', '2024-07-31T00:00:00.000Z']);
    expect(next('0 0 0 29 2 ?', '2025-01-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
  });

  it('evaluates in the CRON_TZ zone, across daylight-saving changes', () => {
    expect(nextCronTime(parseCron('CRON_TZ=Asia/Shanghai 0 0 6 * * ?'), at('2024-05-01T00:00:00Z'))?.toISOString()).toBe('2024-05-01T22:00:00.000Z');
    // Berlin switches to summer time on 2024-03-31 (02:00 → 03:00): 08:00 local is 07:00 then 06:00 UTC.
    const berlin = parseCron('CRON_TZ=Europe/Berlin 0 0 8 * * ?');
    expect(nextCronTime(berlin, at('2024-03-30T12:00:00Z'))?.toISOString()).toBe('2024-03-31T06:00:00.000Z');
    expect(nextCronTime(berlin, at('2024-03-29T12:00:00Z'))?.toISOString()).toBe('2024-03-30T07:00:00.000Z');
  });

  it('evaluates in local time without CRON_TZ', () => {
    const local = nextCronTime(parseCron('0 15 4 * * ?'), new Date(2024, 4, 1, 12, 0, 0)) as Date;
    expect([local.getFullYear(), local.getMonth(), local.getDate(), local.getHours(), local.getMinutes(), local.getSeconds()]).toEqual([2024, 4, 2, 4, 15, 0]);
  });
});

describe('cron: errors name the field and the problem', () => {
  const cases: Array<[string, RegExp]> = [
    ['0 30 3 * *  * *', /expected 6 fields/],
    ['0 30 3', /expected 6 fields/],
    ['60 0 0 * * ?', /seconds field "60": 60 is outside 0–59/],
    ['0 0 24 * * ?', /hours field "24"/],
    ['0 0 0 0 * ?', /day-of-month field "0"/],
    ['0 0 0 * 13 ?', /month field "13"/],
    ['0 0 0 ? * 7', /day-of-week field "7": 7 is outside 0–6/],
    ['0 0 0 * Foo ?', /month field "Foo": "Foo" is not a number or a name/],
    ['? 0 0 * * ?', /"\?" is allowed only in day-of-month and day-of-week/],
    ['*/0 0 0 * * ?', /step "0" must be a positive number/],
    ['0 0 5-2 * * ?', /range 5-2 runs backwards/],
    ['0 0 1-2-3 * * ?', /a range has one "-"/],
    ['0 0 1,,2 * * ?', /empty list item/],
    ['0 0 0 30 2 ?', /never fires/],
    ['CRON_TZ=Mars/Olympus 0 0 0 * * ?', /unknown time zone "Mars\/Olympus"/],
  ];
  it.each(cases)('%s', (expression, message) => {
    expect(() => parseCron(expression)).toThrow(CronError);
    expect(() => parseCron(expression)).toThrow(message);
  });
});

describe('rate and @every', () => {
  it('reads FunctionGraph rates: 1–60 m, 1–24 h, 1–30 d', () => {
    expect(parseRate('5m')).toBe(300_000);
    expect(parseRate('1h')).toBe(3_600_000);
    expect(parseRate('30d')).toBe(30 * 86_400_000);
    for (const bad of ['0m', '61m', '25h', '31d', '30s', '5', 'm', '1.5h', '5 m', '']) {
      expect(() => parseRate(bad), bad).toThrow(ScheduleError);
    }
    expect(() => parseRate('30s')).toThrow(/expected <n>m \(1–60 minutes\), <n>h \(1–24 hours\) or <n>d \(1–30 days\)/);
    expect(() => parseRate('61m')).toThrow(/minutes must be 1–60/);
  });

  it('reads "@every" Go durations as a Cron schedule', () => {
    expect(parseGoDuration('30m')).toBe(1_800_000);
    expect(parseGoDuration('1.5h')).toBe(5_400_000);
    expect(parseGoDuration('2h30m')).toBe(9_000_000);
    expect(parseGoDuration('1m30s500ms')).toBe(90_500);
    expect(parseSchedule('Cron', '@every 2h30m')).toMatchObject({ kind: 'rate', everyMs: 9_000_000 });
    expect(() => parseSchedule('Cron', '@every 10ms')).toThrow(/at least 1s/);
    expect(() => parseSchedule('Cron', '@every soon')).toThrow(/@every <duration>/);
    expect(() => parseSchedule('Cron', '61 * * * * ?')).toThrow(ScheduleError);
  });

  it('counts a rate from the trigger\'s start, skipping ticks already past', () => {
    const rate = parseSchedule('Rate', '5m');
    const origin = at('2024-05-01T00:00:00Z');
    expect(nextFire(rate, origin, origin).toISOString()).toBe('2024-05-01T00:05:00.000Z');
    expect(nextFire(rate, at('2024-05-01T00:05:00Z'), origin).toISOString()).toBe('2024-05-01T00:10:00.000Z');
    expect(nextFire(rate, at('2024-05-01T00:17:00Z'), origin).toISOString()).toBe('2024-05-01T00:20:00.000Z');
  });

  it('describes schedules for people', () => {
    expect(describeSchedule(parseSchedule('Rate', '1h'))).toBe('every 1h');
    expect(describeSchedule(parseSchedule('Cron', '@every 90s'))).toBe('@every 90s');
    expect(describeSchedule(parseSchedule('Cron', '0 30 3 * * ?'))).toBe('cron 0 30 3 * * ?');
  });
});

describe('TIMER event', () => {
  it('is shaped like FunctionGraph\'s (timer_event.json)', () => {
    const event = timerEvent('warden-tag-sweep', '{"a":1}', new Date());
    expect(Object.keys(event).sort()).toEqual(['time', 'trigger_name', 'trigger_type', 'user_event', 'version']);
    expect(event).toMatchObject({ version: 'v1.0', trigger_type: 'TIMER', trigger_name: 'warden-tag-sweep', user_event: '{"a":1}' });
    expect(event['time']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
    expect(Date.parse(isoWithOffset(new Date(1_700_000_000_000)))).toBe(1_700_000_000_000);
  });
});
