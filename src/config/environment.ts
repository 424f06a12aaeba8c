/**
 * Reads `SWITCHBOARD_*` environment variables into configuration values, coerced to each key's schema
 * type. A variable that names no key is an error, so a typo cannot be silently ignored.
 * @module
 */

import type { ConfigIssue } from "../errors.js";
import { configKeys, ENV_PREFIX, type ConfigKey } from "./config-keys.js";
import type { JsonSchema } from "./config-schema.js";
import { closestMatch } from "./suggest.js";

export interface EnvSetting {
  readonly segments: readonly string[];
  readonly value: unknown;
  /** The variable it came from, e.g. `SWITCHBOARD_LOG__LEVEL`. */
  readonly variable: string;
}

export interface EnvReading {
  readonly settings: readonly EnvSetting[];
  readonly issues: readonly ConfigIssue[];
}

/** Reads every `SWITCHBOARD_*` variable of `env`, in name order. */
export function readEnvironment(env: Readonly<Record<string, string | undefined>>): EnvReading {
  const byVariable = new Map<string, ConfigKey>();
  for (const key of configKeys()) if (key.envVar !== undefined) byVariable.set(key.envVar, key);

  const settings: EnvSetting[] = [];
  const issues: ConfigIssue[] = [];
  const names = Object.keys(env)
    .filter((name) => name.startsWith(ENV_PREFIX))
    .sort();
  for (const variable of names) {
    const raw = env[variable];
    if (raw === undefined) continue;
    const key = byVariable.get(variable);
    if (key === undefined) {
      const suggestion = closestMatch(variable, [...byVariable.keys()]);
      const hint = suggestion === undefined ? "" : `: did you mean "${suggestion}"?`;
      issues.push({
        path: "",
        message: `unknown environment variable "${variable}"${hint}`,
        source: undefined,
      });
      continue;
    }
    const coerced = coerce(raw, key.schema);
    if (coerced.ok) settings.push({ segments: key.segments, value: coerced.value, variable });
    else
      issues.push({
        path: key.path,
        message: `"${key.path}" ${coerced.problem}`,
        source: `from ${variable}`,
      });
  }
  return { settings, issues };
}

type Coerced =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problem: string };

const booleans: Readonly<Record<string, boolean>> = { true: true, false: false, "1": true, "0": false };

/** Converts a variable's text to the schema's type; range and enum checks are left to validation. */
function coerce(raw: string, schema: JsonSchema): Coerced {
  const text = raw.trim();
  switch (schema.type) {
    case "integer":
    case "number": {
      const value = text === "" ? Number.NaN : Number(text);
      if (Number.isFinite(value)) return { ok: true, value };
      return { ok: false, problem: schema.type === "integer" ? "must be an integer" : "must be a number" };
    }
    case "boolean": {
      const value = booleans[text.toLowerCase()];
      if (value !== undefined) return { ok: true, value };
      return { ok: false, problem: 'must be a boolean ("true" or "false")' };
    }
    case "array":
    case "object":
      try {
        return { ok: true, value: JSON.parse(text) as unknown };
      } catch (error) {
        const detail = error instanceof Error ? `: ${error.message}` : "";
        return {
          ok: false,
          problem: `must be a JSON ${schema.type === "array" ? "array" : "object"}${detail}`,
        };
      }
    default:
      return { ok: true, value: raw };
  }
}
