/**
 * A dialect's topic table, compiled: rows indexed by their number of levels, the most specific first
 * (`devices/{id}/meta/rejected` before `devices/{id}/meta/{name}`), so a lookup splits the topic once
 * and tries only rows of its length.
 * @module
 */

import type { ClientIdentity } from "../../hooks/index.js";
import type { DialectTopic, Permission } from "./dialect.js";
import { type TopicParams, TopicPattern } from "./topic-pattern.js";

export interface TableRow {
  readonly topic: DialectTopic;
  readonly pattern: TopicPattern;
}

export interface TableMatch {
  readonly row: TableRow;
  readonly params: TopicParams;
}

export function permits(permission: Permission, client: ClientIdentity, params: TopicParams): boolean {
  return typeof permission === "boolean" ? permission : permission(client, params);
}

export class TopicTable {
  readonly rows: readonly TableRow[];
  readonly #byLength = new Map<number, TableRow[]>();

  constructor(topics: readonly DialectTopic[]) {
    const rows = topics.map((topic) => {
      if (topic.publish !== false && topic.ingest === undefined)
        throw new RangeError(`Topic "${topic.pattern}" may be published to but has no ingest handler`);
      return { topic, pattern: new TopicPattern(topic.pattern) };
    });
    this.rows = rows;
    for (const row of rows) {
      const length = row.pattern.levels.length;
      let list = this.#byLength.get(length);
      if (list === undefined) this.#byLength.set(length, (list = []));
      list.push(row);
    }
    for (const list of this.#byLength.values())
      list.sort((a, b) => b.pattern.literalCount - a.pattern.literalCount);
  }

  /** The most specific row matching the topic name (split at "/"), with its parameters. */
  lookup(levels: readonly string[]): TableMatch | undefined {
    const candidates = this.#byLength.get(levels.length);
    if (candidates === undefined) return undefined;
    for (const row of candidates) {
      const params = row.pattern.match(levels);
      if (params !== undefined) return { row, params };
    }
    return undefined;
  }

  /** Whether some row that `client` may subscribe to can match the filter (split at "/"). */
  subscribable(filterLevels: readonly string[], client: ClientIdentity): boolean {
    for (const row of this.rows) {
      if (row.topic.subscribe === false || !row.pattern.mayMatch(filterLevels)) continue;
      // a permission function is asked with the parameters the filter fixes (its literal levels)
      if (permits(row.topic.subscribe, client, row.pattern.filterParams(filterLevels))) return true;
    }
    return false;
  }
}
