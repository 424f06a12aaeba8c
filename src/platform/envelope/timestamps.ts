/**
 * Source timestamps: ISO 8601 / RFC 3339 date-times as clients send them (Gooee `timestamp`, Medium
 * One `observed_at`, often with microseconds: `2016-08-09T20:00:47.539000Z`).
 *
 * JavaScript's `Date` keeps milliseconds only, so the parser here reads the fraction itself and returns
 * microseconds since the epoch (a safe integer until the year 287396). The text a client sent is kept
 * as it was sent (envelopes carry both); {@link formatIsoMicros} writes the broker's own times in the
 * same six-digit form, so a time the broker fills in looks like the ones clients send.
 * @module
 */

// date T time, a fraction of 1..9 digits (beyond 6 are truncated), and Z or a numeric offset
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

const MICROS_PER_MS = 1000;
const MICROS_PER_MINUTE = 60_000_000;

/**
 * Microseconds since the epoch of an ISO 8601 date-time with a time zone (`Z` or `±hh:mm`), or
 * undefined when `text` is not one (wrong shape, or a field out of range such as month 13 or
 * February 30). A fraction longer than six digits is truncated to microseconds.
 *
 * @example
 * ```ts
 * parseIsoTimestamp("2016-08-09T20:00:47.539000Z"); // 1470772847539000
 * parseIsoTimestamp("2016-08-09T22:00:47.5+02:00"); // 1470772847500000
 * parseIsoTimestamp("2016-08-09"); // undefined (no time)
 * ```
 */
export function parseIsoTimestamp(text: string): number | undefined {
  const match = ISO_DATE_TIME.exec(text);
  if (match === null) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zulu, sign, offsetHours, offsetMinutes] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offset = 0;
  if (zulu === undefined) {
    const oh = Number(offsetHours);
    const om = Number(offsetMinutes);
    if (oh > 23 || om > 59) return undefined;
    offset = (sign === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const micros = fraction === undefined ? 0 : Number(fraction.slice(0, 6).padEnd(6, "0"));
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  return ms * MICROS_PER_MS + micros - offset * MICROS_PER_MINUTE;
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
