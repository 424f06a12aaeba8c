/**
 * Logs a failure that repeats (a store whose commits fail for as long as the disk is full) without
 * flooding the log, which often sits on the same full disk or under a journald quota and would bury the
 * cause: the first failure at error level with its error (stack included), then at most one summary line
 * per `interval` with the count of failures since the last line, and one line when the failures stop.
 * Every line carries the failure's stable code at the top level (`code`), to search for.
 * @module
 */

import type { Logger } from "./logger.js";

/** Milliseconds between two summary lines while the failures go on. */
export const FAILURE_LOG_INTERVAL = 30_000;

export interface FailureLogOptions {
  readonly logger: Logger;
  /** The stable code every line carries (`SB_ERR_STORE`). */
  readonly code: string;
  /** Milliseconds between two summary lines. Default {@link FAILURE_LOG_INTERVAL}. */
  readonly interval?: number;
  /** Milliseconds (a monotonic clock will do). Default `Date.now`. */
  readonly now?: () => number;
}

export class FailureLog {
  readonly #logger: Logger;
  readonly #code: string;
  readonly #interval: number;
  readonly #now: () => number;
  /** When the first failure in a row was logged; undefined while nothing fails. */
  #since: number | undefined;
  #lastLine = 0;
  /** Failures since the last line. */
  #unlogged = 0;
  /** Failures since the first. */
  #failures = 0;

  constructor(options: FailureLogOptions) {
    this.#logger = options.logger;
    this.#code = options.code;
    this.#interval = options.interval ?? FAILURE_LOG_INTERVAL;
    this.#now = options.now ?? Date.now;
  }

  /** True from a failure until {@link recovered}. */
  get failing(): boolean {
    return this.#since !== undefined;
  }

  /** A failure: logged when it is the first in a row, else counted for the next summary line. */
  failed(error: Error, message: string, fields: Readonly<Record<string, unknown>> = {}): void {
    const now = this.#now();
    this.#failures++;
    if (this.#since === undefined) {
      this.#since = now;
      this.#lastLine = now;
      this.#logger.error({ ...fields, code: this.#code, err: error }, message);
      return;
    }
    this.#unlogged++;
    if (now - this.#lastLine < this.#interval) return;
    this.#logger.error(
      {
        ...fields,
        code: this.#code,
        failures: this.#unlogged,
        failingFor: now - this.#since,
        error: error.message,
      },
      `${message} (still failing: ${this.#unlogged} more failures in the last ${Math.round((now - this.#lastLine) / 1000)} s)`,
    );
    this.#lastLine = now;
    this.#unlogged = 0;
  }

  /** The failures stopped: logs `message` (at info level) with their count, when any came before. */
  recovered(message: string | undefined, fields: Readonly<Record<string, unknown>> = {}): void {
    const since = this.#since;
    if (since === undefined) return;
    if (message !== undefined) {
      this.#logger.info(
        { ...fields, code: this.#code, failures: this.#failures, failingFor: this.#now() - since },
        message,
      );
    }
    this.#since = undefined;
    this.#unlogged = 0;
    this.#failures = 0;
  }
}
