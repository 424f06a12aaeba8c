/**
 * Topic patterns of a dialect's topic table: `devices/{id}/meta/{name}`. A level is a literal or a
 * parameter `{name}`, which matches exactly one non-empty level. Patterns match topic names (giving the
 * parameters), tell whether a subscription filter with wildcards can match any of their topics, and
 * format topics from parameters (refusing values that would change the topic's shape).
 * @module
 */

/** The parameters of a matched topic, by name. */
export type TopicParams = Readonly<Record<string, string>>;

type PatternLevel = { readonly literal: string } | { readonly param: string };

const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/**
 * Why `value` cannot be one topic level (a parameter value, an entity id): empty, or it contains "/",
 * "+", "#" or U+0000; undefined when it can.
 */
export function topicLevelError(value: string): string | undefined {
  if (value.length === 0) return "a topic level must not be empty";
  for (const character of ["/", "+", "#", "\u0000"])
    if (value.includes(character)) return `${JSON.stringify(value)} must not contain "${character}"`;
  return undefined;
}

export class TopicPattern {
  /** The pattern as written. */
  readonly source: string;
  readonly levels: readonly PatternLevel[];
  /** How many levels are literals: the more, the more specific (a literal wins over a parameter). */
  readonly literalCount: number;

  /**
   * @example
   * ```ts
   * const pattern = new TopicPattern("devices/{id}/meta/{name}");
   * pattern.match("devices/d1/meta/temperature".split("/")); // { id: "d1", name: "temperature" }
   * pattern.format({ id: "d1", name: "als" }); // "devices/d1/meta/als"
   * ```
   */
  constructor(source: string) {
    const levels: PatternLevel[] = [];
    const params = new Set<string>();
    for (const level of source.split("/")) {
      const param = PARAM.exec(level)?.[1];
      if (param !== undefined) {
        if (params.has(param)) throw new RangeError(`Pattern "${source}" repeats the parameter "${param}"`);
        params.add(param);
        levels.push({ param });
        continue;
      }
      const problem =
        topicLevelError(level) ?? (/[{}]/.test(level) ? `"${level}" is not a parameter` : undefined);
      if (problem !== undefined) throw new RangeError(`Pattern "${source}" is invalid: ${problem}`);
      levels.push({ literal: level });
    }
    this.source = source;
    this.levels = levels;
    this.literalCount = levels.filter((l) => "literal" in l).length;
  }

  /** The parameters when the topic (split at "/") matches, else undefined. */
  match(topicLevels: readonly string[]): TopicParams | undefined {
    const levels = this.levels;
    if (topicLevels.length !== levels.length) return undefined;
    let params: Record<string, string> | undefined;
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i]!;
      const value = topicLevels[i]!;
      if ("literal" in level) {
        if (value !== level.literal) return undefined;
      } else {
        if (value.length === 0) return undefined;
        (params ??= {})[level.param] = value;
      }
    }
    return params ?? {};
  }

  /**
   * Whether the subscription filter (split at "/", without `$share/<group>/`) can match a topic of
   * this pattern: `+` matches any level, `#` the rest (also the parent level [MQTT-4.7.1-2]).
   */
  mayMatch(filterLevels: readonly string[]): boolean {
    const levels = this.levels;
    for (let i = 0; i < levels.length; i++) {
      const filter = filterLevels[i];
      if (filter === undefined) return false;
      if (filter === "#") return true;
      if (filter === "+") continue;
      const level = levels[i]!;
      if ("literal" in level ? filter !== level.literal : filter.length === 0) return false;
    }
    return (
      filterLevels.length === levels.length ||
      (filterLevels.length === levels.length + 1 && filterLevels[levels.length] === "#")
    );
  }

  /**
   * The parameters a filter that {@link mayMatch}es fixes: those at levels where the filter has a
   * literal (not `+`, not under `#`). A permission function decides a wildcard subscription on these.
   */
  filterParams(filterLevels: readonly string[]): TopicParams {
    const params: Record<string, string> = {};
    for (let i = 0; i < this.levels.length; i++) {
      const filter = filterLevels[i];
      if (filter === undefined || filter === "#") break;
      const level = this.levels[i]!;
      if ("param" in level && filter !== "+") params[level.param] = filter;
    }
    return params;
  }

  /** The topic for `params`; throws a RangeError when a value is missing or not a valid topic level. */
  format(params: TopicParams): string {
    let topic = "";
    for (let i = 0; i < this.levels.length; i++) {
      const level = this.levels[i]!;
      let text: string;
      if ("literal" in level) text = level.literal;
      else {
        const value = params[level.param];
        if (value === undefined)
          throw new RangeError(`Cannot format "${this.source}": no value for "${level.param}"`);
        const problem = topicLevelError(value);
        if (problem !== undefined)
          throw new RangeError(`Cannot format "${this.source}" with ${level.param}: ${problem}`);
        text = value;
      }
      topic = i === 0 ? text : `${topic}/${text}`;
    }
    return topic;
  }
}
