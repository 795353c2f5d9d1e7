/**
 * FunctionGraph cron expressions: `sec min hour day-of-month month [day-of-week]`, optionally prefixed with
 * `CRON_TZ=<zone>`. Fields take `*`, numbers, `a-b` ranges, `/step`, comma lists; `?` (= `*`) in the day
 * fields; months `Jan`–`Dec` and weekdays `Sun`–`Sat` (0 = Sunday) by name, any case.
 *
 * Day-of-month and day-of-week combine as in the cron library FunctionGraph's syntax comes from: when either
 * is `*` or `?` both must match, otherwise either may (`0 0 0 1 * Mon` = the 1st *and* every Monday).
 */

export class CronError extends Error {
  override readonly name = 'CronError';
}

export interface CronSpec {
  readonly text: string;
  /** IANA zone from `CRON_TZ=`; undefined means the host's local time. */
  readonly timeZone: string | undefined;
  readonly seconds: ReadonlySet<number>;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly days: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  readonly weekdays: ReadonlySet<number>;
  /** True when day-of-month / day-of-week was `*` or `?` (no restriction). */
  readonly anyDay: boolean;
  readonly anyWeekday: boolean;
}

interface FieldRule {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  readonly question?: boolean;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const FIELDS: readonly FieldRule[] = [
  { name: 'seconds', min: 0, max: 59 },
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, question: true },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 0, max: 6, names: WEEKDAYS, question: true },
];

/** How far ahead `nextCronTime` looks before deciding an expression never fires (e.g. `0 0 0 30 2 ?`). */
const SEARCH_YEARS = 5;

export function parseCron(expression: string): CronSpec {
  let text = expression.trim();
  let timeZone: string | undefined;
  const tz = /^CRON_TZ=(\S+)\s+/.exec(text);
  if (tz) {
    timeZone = tz[1] as string;
    if (!isTimeZone(timeZone)) throw new CronError(`cron "${expression}": unknown time zone ${JSON.stringify(timeZone)}`);
    text = text.slice(tz[0].length);
  }
  const parts = text.split(/\s+/).filter((part) => part !== '');
  if (parts.length !== 5 && parts.length !== 6) {
    throw new CronError(`cron "${expression}": expected 6 fields "sec min hour day-of-month month day-of-week" (day-of-week optional), got ${parts.length}`);
  }
  if (parts.length === 5) parts.push('*');
  const sets = parts.map((part, i) => parseField(part, FIELDS[i] as FieldRule, expression));
  const [seconds, minutes, hours, days, months, weekdays] = sets as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  const spec: CronSpec = {
    text: expression,
    timeZone,
    seconds,
    minutes,
    hours,
    days,
    months,
    weekdays,
    anyDay: parts[3] === '*' || parts[3] === '?',
    anyWeekday: parts[5] === '*' || parts[5] === '?',
  };
  if (nextCronTime(spec, new Date()) === undefined) {
    throw new CronError(`cron "${expression}": never fires (no matching date within ${SEARCH_YEARS} years)`);
  }
  return spec;
}

function parseField(text: string, rule: FieldRule, expression: string): Set<number> {
  const bad = (why: string) => new CronError(`cron "${expression}": ${rule.name} field "${text}": ${why}`);
  const values = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') throw bad('empty list item');
    const [range = '', stepText, extra] = item.split('/');
    if (extra !== undefined) throw bad('more than one "/"');
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) throw bad(`step "${stepText}" must be a positive number`);
      step = Number(stepText);
    }
    let low: number;
    let high: number;
    if (range === '*' || range === '?') {
      if (range === '?' && !rule.question) throw bad('"?" is allowed only in day-of-month and day-of-week');
      [low, high] = [rule.min, rule.max];
    } else {
      const [from = '', to, more] = range.split('-');
      if (more !== undefined) throw bad('a range has one "-"');
      low = parseValue(from, rule, bad);
      // `5/15` means from 5 to the end, every 15.
      high = to !== undefined ? parseValue(to, rule, bad) : stepText !== undefined ? rule.max : low;
      if (high < low) throw bad(`range ${low}-${high} runs backwards`);
    }
    for (let v = low; v <= high; v += step) values.add(v);
  }
  return values;
}

function parseValue(text: string, rule: FieldRule, bad: (why: string) => CronError): number {
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    if (value < rule.min || value > rule.max) throw bad(`${value} is outside ${rule.min}–${rule.max}`);
    return value;
  }
  const index = rule.names?.indexOf(text.toLowerCase()) ?? -1;
  if (index < 0) throw bad(`"${text}" is not a number${rule.names ? ' or a name' : ''}`);
  return rule.min + index;
}

/** Wall-clock fields of an instant in a zone. */
interface Wall {
  readonly year: number;
  /** 1–12 */
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** 0 = Sunday */
  readonly weekday: number;
}

/** The first instant strictly after `after` (to the second) the expression matches; undefined if none within 5 years. */
export function nextCronTime(spec: CronSpec, after: Date): Date | undefined {
  const zone = zoneOf(spec.timeZone);
  let t = Math.floor(after.getTime() / 1000) * 1000 + 1000;
  const limit = after.getTime() + SEARCH_YEARS * 366 * 86_400_000;
  while (t <= limit) {
    const w = zone.wall(t);
    if (!spec.months.has(w.month)) {
      t = zone.instant(w.month === 12 ? w.year + 1 : w.year, w.month === 12 ? 1 : w.month + 1, 1);
    } else if (!dayMatches(spec, w)) {
      t = zone.instant(w.year, w.month, w.day + 1);
    } else if (!spec.hours.has(w.hour)) {
      t += ((59 - w.minute) * 60 + (60 - w.second)) * 1000;
    } else if (!spec.minutes.has(w.minute)) {
      t += (60 - w.second) * 1000;
    } else if (!spec.seconds.has(w.second)) {
      t += 1000;
    } else {
      return new Date(t);
    }
  }
  return undefined;
}

function dayMatches(spec: CronSpec, w: Wall): boolean {
  const day = spec.days.has(w.day);
  const weekday = spec.weekdays.has(w.weekday);
  return spec.anyDay || spec.anyWeekday ? day && weekday : day || weekday;
}

interface Zone {
  wall(ms: number): Wall;
  /** The first instant of that (possibly overflowing, e.g. day 32) calendar day at 00:00:00. */
  instant(year: number, month: number, day: number): number;
}

function zoneOf(timeZone: string | undefined): Zone {
  return timeZone === undefined ? LOCAL : namedZone(timeZone);
}

const LOCAL: Zone = {
  wall(ms) {
    const d = new Date(ms);
    return { year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate(), hour: d.getHours(), minute: d.getMinutes(), second: d.getSeconds(), weekday: d.getDay() };
  },
  instant: (year, month, day) => new Date(year, month - 1, day, 0, 0, 0, 0).getTime(),
};

const zones = new Map<string, Zone>();

function namedZone(timeZone: string): Zone {
  const cached = zones.get(timeZone);
  if (cached) return cached;
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    weekday: 'short',
  });
  const wall = (ms: number): Wall => {
    const parts: Record<string, string> = {};
    for (const part of format.formatToParts(new Date(ms))) parts[part.type] = part.value;
    return {
      year: Number(parts['year']),
      month: Number(parts['month']),
      day: Number(parts['day']),
      hour: Number(parts['hour']),
      minute: Number(parts['minute']),
      second: Number(parts['second']),
      weekday: WEEKDAYS.indexOf((parts['weekday'] ?? '').toLowerCase()),
    };
  };
  /** Zone offset at `ms`, in milliseconds. */
  const offset = (ms: number): number => {
    const w = wall(ms);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000;
  };
  const zone: Zone = {
    wall,
    instant(year, month, day) {
      const asUtc = Date.UTC(year, month - 1, day);
      // Two passes settle the offset, also next to a DST change; a midnight skipped by DST lands just after it.
      let guess = asUtc - offset(asUtc);
      guess = asUtc - offset(guess);
      return guess;
    },
  };
  zones.set(timeZone, zone);
  return zone;
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
