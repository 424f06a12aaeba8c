/**
 * The `log` configuration section: its type and its JSON Schema.
 * @module
 */

import { type PropertiesOf, valuesOf } from "../schema-support.js";

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

export interface LogConfig {
  readonly level: LogLevel;
}

const logLevels = valuesOf<LogLevel>({ trace: 0, debug: 0, info: 0, warn: 0, error: 0, fatal: 0, silent: 0 });

export const logProperties: PropertiesOf<LogConfig> = {
  level: {
    type: "string",
    enum: logLevels,
    default: "info",
    description: "Lowest level of the log lines written; `silent` writes none.",
  },
};
