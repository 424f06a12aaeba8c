/**
 * Source timestamps: ISO 8601 / RFC 3339 date-times as clients send them (Gooee `timestamp`, Medium
 * One `observed_at`, often with microseconds: `2016-08-09T20:00:47.539000Z`).
 *
 * JavaScript's `Date` keeps milliseconds only, so the parser here reads the fraction itself and returns
 * microseconds since the epoch (an exact integer until the year 2255, the last one within 2^53). The text a client sent is kept
 * as it was sent (envelopes carry both); {@link formatIsoMicros} writes the broker's own times in the
 * same six-digit form, so a time the broker fills in looks like the ones clients send.
 * @module
 */

const MICROS_PER_MS = 1000;
const MICROS_PER_MINUTE = 60_000_000;
const MS_PER_DAY = 86_400_000;
/** Days from 0000-03-01 to 1970-01-01 (the civil-days count below starts in March). */
const EPOCH_DAYS = 719_468;

const ZERO = 0x30;
const DASH = 0x2d;
const COLON = 0x3a;
const PLUS = 0x2b;
const DOT = 0x2e;
const COMMA = 0x2c;
/** Length of `yyyy-mm-ddThh:mm:ss`. */
const DATE_TIME_LENGTH = 19;
/** Powers of ten that scale 1..6 fraction digits to microseconds. */
const FRACTION_SCALE = [1, 100_000, 10_000, 1000, 100, 10, 1];

/**
 * Microseconds since the epoch of an ISO 8601 date-time with a time zone (`Z` or `±hh:mm`), or
 * undefined when `text` is not one (wrong shape, or a field out of range such as month 13 or
 * February 30). The shape is `yyyy-mm-ddThh:mm:ss`, optionally `.` or `,` and 1 to 9 fraction digits,
 * then `Z` or `±hh:mm` / `±hhmm` (`T` and `Z` in either case). A fraction longer than six digits is
 * truncated to microseconds.
 *
 * It reads the characters itself (no regular expression, no `Date`, nothing allocated): the dialects
 * parse every timestamp of every publish.
 *
 * @example
 * ```ts
 * parseIsoTimestamp("2016-08-09T20:00:47.539000Z"); // 1470772847539000
 * parseIsoTimestamp("2016-08-09T22:00:47.5+02:00"); // 1470772847500000
 * parseIsoTimestamp("2016-08-09"); // undefined (no time)
 * ```
 */
export function parseIsoTimestamp(text: string): number | undefined {
  const length = text.length;
  if (length < DATE_TIME_LENGTH + 1) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  // a field that is not all digits is -1, which fails a range check
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  if (text.charCodeAt(4) !== DASH || text.charCodeAt(7) !== DASH || text.charCodeAt(13) !== COLON)
    return undefined;
  if (text.charCodeAt(16) !== COLON || (text.charCodeAt(10) | 0x20) !== 0x74 /* t */) return undefined;

  let at = DATE_TIME_LENGTH;
  let micros = 0;
  let code = text.charCodeAt(at);
  if (code === DOT || code === COMMA) {
    const start = ++at;
    while (at < length && at - start < 9) {
      const digit = text.charCodeAt(at) - ZERO;
      if (digit < 0 || digit > 9) break;
      if (at - start < 6) micros = micros * 10 + digit;
      at++;
    }
    const count = at - start;
    if (count === 0) return undefined;
    micros *= FRACTION_SCALE[count < 6 ? count : 6]!;
    code = text.charCodeAt(at);
  }

  let offset = 0;
  if ((code | 0x20) === 0x7a /* z */) {
    if (at + 1 !== length) return undefined;
  } else if (code === PLUS || code === DASH) {
    const colon = text.charCodeAt(at + 3) === COLON ? 1 : 0;
    if (at + 5 + colon !== length) return undefined;
    const offsetHours = digits(text, at + 1, 2);
    const offsetMinutes = digits(text, at + 3 + colon, 2);
    if (offsetHours < 0 || offsetHours > 23 || offsetMinutes < 0 || offsetMinutes > 59) return undefined;
    offset = (code === DASH ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
  } else return undefined;

  const ms = civilDays(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000;
  return ms * MICROS_PER_MS + micros - offset * MICROS_PER_MINUTE;
}

/** The number written by `count` decimal digits at `at`, or -1 when one of them is not a digit. */
function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = text.charCodeAt(i) - ZERO;
    if (!(digit >= 0 && digit <= 9)) return -1; // NaN (past the end) too
    value = value * 10 + digit;
  }
  return value;
}

/** Days since 1970-01-01 of a date of the proleptic Gregorian calendar (years counted from March). */
function civilDays(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - EPOCH_DAYS;
}

/**
 * An ISO 8601 UTC date-time with six fraction digits for `micros` microseconds since the epoch.
 *
 * @example
 * ```ts
 * formatIsoMicros(1470772847539000); // "2016-08-09T20:00:47.539000Z"
 * ```
 */
export function formatIsoMicros(micros: number): string {
  const ms = Math.floor(micros / MICROS_PER_MS);
  const sub = micros - ms * MICROS_PER_MS;
  const iso = new Date(ms).toISOString(); // ...ss.mmmZ
  return `${iso.slice(0, -1)}${String(sub).padStart(3, "0")}Z`;
}

/** {@link formatIsoMicros} of a time in milliseconds since the epoch (the broker's clock). */
export function formatIsoMillis(ms: number): string {
  return formatIsoMicros(Math.round(ms * MICROS_PER_MS));
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
