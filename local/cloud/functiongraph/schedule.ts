import { CronError, nextCronTime, parseCron } from './cron.ts';
import type { CronSpec } from './cron.ts';

/**
 * A TIMER trigger's schedule, as FunctionGraph reads it:
 * - `Rate`: `<n>m` (1–60 minutes), `<n>h` (1–24 hours) or `<n>d` (1–30 days), counted from when the trigger starts;
 * - `Cron`: a cron expression (see cron.ts), or `@every <duration>` (`@every 30m`, `@every 1.5h`, `@every 2h30m`).
 */

export type Schedule =
  | { readonly kind: 'rate'; readonly text: string; readonly everyMs: number }
  | { readonly kind: 'cron'; readonly text: string; readonly cron: CronSpec };

export class ScheduleError extends Error {
  override readonly name = 'ScheduleError';
}

const RATE_UNITS: Record<string, { ms: number; max: number; word: string }> = {
  m: { ms: 60_000, max: 60, word: 'minutes' },
  h: { ms: 3_600_000, max: 24, word: 'hours' },
  d: { ms: 86_400_000, max: 30, word: 'days' },
};

export function parseSchedule(scheduleType: 'Rate' | 'Cron', text: string): Schedule {
  if (scheduleType === 'Rate') return { kind: 'rate', text, everyMs: parseRate(text) };
  const every = /^@every\s+(.+)$/.exec(text.trim());
  if (every) return { kind: 'rate', text, everyMs: parseGoDuration(every[1] as string, text) };
  try {
    return { kind: 'cron', text, cron: parseCron(text) };
  } catch (error) {
    throw new ScheduleError(error instanceof CronError ? error.message : String(error));
  }
}

/** `5m`, `1h`, `1d` → milliseconds. */
export function parseRate(text: string): number {
  const match = /^(\d+)([mhd])$/.exec(text.trim());
  const unit = match ? RATE_UNITS[match[2] as string] : undefined;
  if (!match || !unit) {
    throw new ScheduleError(`rate "${text}": expected <n>m (1–60 minutes), <n>h (1–24 hours) or <n>d (1–30 days), e.g. 5m`);
  }
  const n = Number(match[1]);
  if (n < 1 || n > unit.max) throw new ScheduleError(`rate "${text}": ${unit.word} must be 1–${unit.max}`);
  return n * unit.ms;
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** Go's duration syntax, as `@every` takes it: `1h30m`, `1.5h`, `90s`. At least one second. */
export function parseGoDuration(text: string, whole = text): number {
  const trimmed = text.trim();
  const part = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let match = part.exec(trimmed); match; match = part.exec(trimmed)) {
    total += Number(match[1]) * (DURATION_UNITS[match[2] as string] as number);
    consumed = part.lastIndex;
  }
  if (trimmed === '' || consumed !== trimmed.length) {
    throw new ScheduleError(`"${whole}": expected "@every <duration>" such as @every 30m, @every 1.5h, @every 2h30m`);
  }
  if (total < 1_000) throw new ScheduleError(`"${whole}": the interval must be at least 1s`);
  return Math.round(total);
}

/** When the schedule fires next after `after`; a rate counts from `origin` (when the trigger started). */
export function nextFire(schedule: Schedule, after: Date, origin: Date = after): Date {
  if (schedule.kind === 'rate') {
    const elapsed = Math.max(0, after.getTime() - origin.getTime());
    return new Date(origin.getTime() + (Math.floor(elapsed / schedule.everyMs) + 1) * schedule.everyMs);
  }
  const next = nextCronTime(schedule.cron, after);
  if (!next) throw new ScheduleError(`cron "${schedule.text}" never fires`);
  return next;
}

/** e.g. "every 1h", "every 30m", "cron 0 30 3 * * ?". */
export function describeSchedule(schedule: Schedule): string {
  if (schedule.kind === 'cron') return `cron ${schedule.text}`;
  return schedule.text.startsWith('@') ? schedule.text : `every ${schedule.text}`;
}

/** A TIMER event (reference: timer_event.json). */
export function timerEvent(name: string, userEvent: string, now = new Date()): Record<string, unknown> {
  return { version: 'v1.0', time: isoWithOffset(now), trigger_type: 'TIMER', trigger_name: name, user_event: userEvent };
}

/** `2023-06-01T08:30:00+08:00`: local time with its offset, as FunctionGraph writes it. */
export function isoWithOffset(date: Date): string {
  const pad = (n: number) => String(Math.abs(n)).padStart(2, '0');
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`
  );
}
