import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { topicMatches } from "../../protocol/index.js";
import { filterCovers, filterMatches } from "./filter-match.js";

const LEVELS = ["a", "b", "", "$x"];
const FILTER_LEVELS = ["a", "b", "", "+", "$x"];

/** Every topic of 1..3 levels over LEVELS ("$" levels only first). */
function topics(): string[] {
  const out: string[] = [];
  const walk = (prefix: string[]): void => {
    if (prefix.length > 0) out.push(prefix.join("/"));
    if (prefix.length === 3) return;
    for (const level of LEVELS) if (prefix.length === 0 || !level.startsWith("$")) walk([...prefix, level]);
  };
  walk([]);
  return out;
}

/** Every filter of 1..3 levels over FILTER_LEVELS, optionally ending in "#". */
function filters(): string[] {
  const out: string[] = ["#"];
  const walk = (prefix: string[]): void => {
    if (prefix.length > 0) {
      out.push(prefix.join("/"));
      out.push(`${prefix.join("/")}/#`);
    }
    if (prefix.length === 3) return;
    for (const level of FILTER_LEVELS)
      if (prefix.length === 0 || !level.startsWith("$")) walk([...prefix, level]);
  };
  walk([]);
  return out;
}

describe("filterMatches()", () => {
  it("agrees with the reference matcher on every small filter and topic, the $ rule included", () => {
    for (const filter of filters()) {
      for (const topic of topics()) {
        assert.equal(
          filterMatches(filter.split("/"), topic.split("/")),
          topicMatches(filter, topic),
          `"${filter}" "${topic}"`,
        );
      }
    }
  });
});

describe("filterCovers()", () => {
  const allTopics = topics();
  it("is sound: when a rule covers a filter, every topic the filter matches, the rule matches", () => {
    for (const rule of filters()) {
      for (const requested of filters()) {
        if (!filterCovers(rule.split("/"), requested.split("/"))) continue;
        for (const topic of allTopics) {
          if (topicMatches(requested, topic))
            assert.ok(topicMatches(rule, topic), `"${rule}" covers "${requested}" but not "${topic}"`);
        }
      }
    }
  });

  it("answers the usual cases", () => {
    const covers = (rule: string, requested: string): boolean =>
      filterCovers(rule.split("/"), requested.split("/"));
    assert.ok(covers("a/#", "a/b/+"));
    assert.ok(covers("a/#", "a"));
    assert.ok(covers("a/+", "a/b"));
    assert.ok(covers("#", "#"));
    assert.ok(!covers("a/#", "#"));
    assert.ok(!covers("a/+", "a/#"));
    assert.ok(!covers("a/b", "a/+"));
    assert.ok(!covers("#", "$SYS/#"), "the $ rule");
    assert.ok(covers("$SYS/#", "$SYS/broker/+"));
  });
});
