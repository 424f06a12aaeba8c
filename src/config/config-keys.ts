/**
 * The configuration's keys, read from the schema, and the environment variable that sets each one.
 *
 * The rule: `SWITCHBOARD_` followed by the key's path, each segment in UPPER_SNAKE case (camelCase
 * split at capitals), segments joined by a double underscore. `mqtt.receiveMaximum` is
 * `SWITCHBOARD_MQTT__RECEIVE_MAXIMUM`; a list (`listeners`) is one variable holding a JSON array.
 * @module
 */

import { configSchema, type JsonSchema } from "./config-schema.js";

export const ENV_PREFIX = "SWITCHBOARD_";

export interface ConfigKey {
  /** Dotted path: `mqtt.receiveMaximum`; fields of list items read `listeners[].port`. */
  readonly path: string;
  /** The path as segments, for setting a value (undefined inside list items). */
  readonly segments: readonly string[];
  readonly schema: JsonSchema;
  /** The variable that sets this key; undefined for fields of list items (set the whole list). */
  readonly envVar: string | undefined;
}

/** `receiveMaximum` → `RECEIVE_MAXIMUM`, `queueQos0` → `QUEUE_QOS0`. */
export function toUpperSnake(camel: string): string {
  return camel.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}

/** `["mqtt", "receiveMaximum"]` → `SWITCHBOARD_MQTT__RECEIVE_MAXIMUM`. */
export function envVarName(segments: readonly string[]): string {
  return ENV_PREFIX + segments.map(toUpperSnake).join("__");
}

/**
 * Every settable key, depth first in schema order: the leaves, and each list as a whole followed by
 * the fields of its items.
 */
export function configKeys(schema: JsonSchema = configSchema): ConfigKey[] {
  const keys: ConfigKey[] = [];
  const walk = (node: JsonSchema, segments: readonly string[], path: string, inList: boolean): void => {
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      const childSegments = [...segments, name];
      const childPath = path === "" ? name : `${path}.${name}`;
      if (child.type === "object" && child.properties) {
        walk(child, childSegments, childPath, inList);
        continue;
      }
      keys.push({
        path: childPath,
        segments: childSegments,
        schema: child,
        envVar: inList ? undefined : envVarName(childSegments),
      });
      if (child.type === "array" && child.items?.properties) {
        walk(child.items, childSegments, `${childPath}[]`, true);
      }
    }
  };
  walk(schema, [], "", false);
  return keys;
}
