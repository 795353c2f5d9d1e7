/**
 * CTS time values → Date.
 *
 * CTS writes `time` / `record_time` as epoch milliseconds (current traces), epoch seconds (older FunctionGraph
 * samples), numeric strings, or a display string such as "2016/12/08 11:07:28 GMT+08:00". ISO 8601 is accepted too.
 */

/** Below this an epoch number is read as seconds (1e11 s is the year 5138; 1e11 ms is 1973). */
const SECONDS_CUTOFF = 1e11;

const NUMERIC = /^\d+(?:\.\d+)?$/;
// 2016/12/08 11:07:28 GMT+08:00 | 2016-12-08T11:07:28.123Z | 2016/12/08 11:07:28 (read as UTC)
const DATE_TIME =
  /^(\d{4})[/-](\d{2})[/-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?\s*(?:(?:GMT|UTC)\s*)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Parses a CTS time, or returns undefined when the value is not one. */
export function tryCtsTimeToDate(value: unknown): Date | undefined {
  if (typeof value === 'number') return fromEpoch(value);
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (NUMERIC.test(text)) return fromEpoch(Number(text));
  return fromDateTime(text);
}

/** Parses a CTS time; throws RangeError naming the value when it is not one. */
export function ctsTimeToDate(value: number | string): Date {
  const date = tryCtsTimeToDate(value);
  if (!date) throw new RangeError(`not a CTS time: ${JSON.stringify(value)}`);
  return date;
}

/** `YYYY-MM-DD` of a date, in UTC. */
export function toIsoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** CTS time → `YYYY-MM-DD` (UTC). */
export function ctsTimeToIsoDate(value: number | string): string {
  return toIsoDate(ctsTimeToDate(value));
}

function fromEpoch(value: number): Date | undefined {
  if (!Number.isFinite(value) || value < 0) return undefined;
  const ms = value < SECONDS_CUTOFF ? Math.round(value * 1000) : Math.round(value);
  return validDate(ms);
}

function fromDateTime(text: string): Date | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const millis = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const check = new Date(local);
  // Date.UTC rolls 2016/02/31 over to March: reject instead of guessing.
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined;
  }
  const offset = offsetMinutes(m[8]);
  if (offset === undefined) return undefined;
  return validDate(local - offset * 60_000);
}

function offsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (hours > 14 || minutes > 59) return undefined;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}

function validDate(ms: number): Date | undefined {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
