/**
 * What the privacy rules did, as `$SYS` topics next to the broker's own (broker/sys-topics.ts),
 * published retained every `sys.interval` seconds and only when a value changed. Per tenant with rule
 * sets (`tenants/<id>`) and per bridge with a rule set (`bridges/<id>`):
 *
 * - `$SYS/broker/privacy/<scope>/<id>/events/<outcome>`: `evaluated`, `unchanged`, `modified`,
 *   `dropped`, `failed` (see `PrivacyCountersSnapshot`);
 * - `$SYS/broker/privacy/<scope>/<id>/actions/<action>`: values (or pieces of text) each action
 *   (`hash`, `mask`, `drop`, `allow`) acted on.
 *
 * A tenant or bridge whose rules are gone has its topics cleared (a zero-length retained message each).
 * Tenant and bridge ids cannot contain `/`, `+` or `#`, so each is one topic level. Like every `$SYS`
 * topic, only administrators may subscribe to them.
 * @module
 */

import { KeyedSysTopics, type SysPublisher } from "../../broker/keyed-sys-topics.js";
import { privacyActions, type PrivacyCountersSnapshot } from "../privacy/index.js";

/** The counters of one output scope. */
export interface PrivacyCountersEntry {
  readonly scope: "tenants" | "bridges";
  readonly id: string;
  readonly counters: PrivacyCountersSnapshot;
}

export interface PrivacySysTopicsOptions {
  readonly broker: SysPublisher;
  /** Seconds between two publications; 0 turns them off (as `sys.interval`). */
  readonly interval: number;
  readonly counters: () => readonly PrivacyCountersEntry[];
}

const PREFIX = "$SYS/broker/privacy/";

/** The values of one scope, by topic. */
export function privacySysValues(entry: PrivacyCountersEntry): Map<string, string> {
  const base = `${PREFIX}${entry.scope}/${entry.id}/`;
  const { events, actions } = entry.counters;
  const values = new Map<string, string>();
  for (const [outcome, count] of Object.entries(events))
    values.set(`${base}events/${outcome}`, String(count));
  for (const action of privacyActions) values.set(`${base}actions/${action}`, String(actions[action].values));
  return values;
}

/** The privacy counters' topics: a {@link KeyedSysTopics} keyed by scope and id. */
export class PrivacySysTopics extends KeyedSysTopics {
  constructor(options: PrivacySysTopicsOptions) {
    super({
      broker: options.broker,
      interval: options.interval,
      entries: () =>
        options
          .counters()
          .map((entry) => ({ key: `${entry.scope}/${entry.id}`, values: privacySysValues(entry) })),
    });
  }
}
