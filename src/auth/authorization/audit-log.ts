/**
 * The audit log of denied actions and exceeded limits: one structured line per event, at a rate that
 * cannot flood the log.
 *
 * Budget: at most `linesPerSecond` lines per second (a token bucket with a burst of the same size).
 * Events over the budget are only counted; the next line that is logged carries `suppressed`, the
 * number left out since the previous line, so the log is a sample plus an exact count. Every event is
 * also counted by the broker's metrics (`$SYS/broker/security/...`, `$SYS/broker/limits/...`).
 *
 * Never secrets: a line names the client id, principal id, tenant, action, topic, rule and reason. It
 * never holds a user name (a JWT may be sent as the user name), a password or a token.
 * @module
 */

import type { Logger } from "../../observability/index.js";
import { TokenBucket } from "../../limits/index.js";

/** One audited event. */
export interface AuditEvent {
  /** `access.denied`: an authorization decision; `limit.exceeded`: a limit refused or disconnected. */
  readonly event: "access.denied" | "limit.exceeded";
  readonly action: "connect" | "publish" | "subscribe" | "receive";
  readonly clientId: string | undefined;
  readonly principal: string | undefined;
  readonly tenant: string | undefined;
  readonly topic?: string | undefined;
  /** The id of the rule that denied, when a rule did. */
  readonly rule?: string | undefined;
  /** Why, as a stable token: `rule`, `no-match`, `authorizer`, `sys-admin-only`, `reserved-namespace`, a limit's name... */
  readonly reason: string;
  /** The remote IP address. */
  readonly remote?: string | undefined;
}

export class AuditLog {
  readonly #logger: Logger;
  readonly #budget: TokenBucket;
  readonly #clock: () => number;
  #suppressed = 0;
  #total = 0;

  constructor(options: {
    readonly logger: Logger;
    readonly linesPerSecond: number;
    readonly clock: () => number;
  }) {
    this.#logger = options.logger;
    this.#clock = options.clock;
    this.#budget = new TokenBucket(options.linesPerSecond, options.linesPerSecond, options.clock());
  }

  /** Events recorded so far, logged or not. */
  get total(): number {
    return this.#total;
  }

  /** Events left out of the log since the last line. */
  get suppressed(): number {
    return this.#suppressed;
  }

  /**
   * Logs `event` (at warn, as `{ audit: true, event, ...fields }` like the authentication audit lines)
   * when the budget allows, else counts it.
   */
  record(event: AuditEvent): void {
    this.#total++;
    if (!this.#budget.take(this.#clock())) {
      this.#suppressed++;
      return;
    }
    const line: Record<string, unknown> = { audit: true };
    for (const [key, value] of Object.entries(event) as [string, unknown][]) {
      if (value !== undefined) line[key] = value;
    }
    if (this.#suppressed > 0) line["suppressed"] = this.#suppressed;
    this.#suppressed = 0;
    const message =
      event.event === "access.denied" ? `Denied ${event.action}` : `Limit exceeded: ${event.reason}`;
    this.#logger.warn(line, message);
  }
}
