/**
 * The `sys` configuration section: its type and its JSON Schema.
 * @module
 */

import { type PropertiesOf } from "../schema-support.js";

export interface SysConfig {
  /** Seconds between `$SYS` refreshes; 0 disables `$SYS` topics. */
  readonly interval: number;
}

export const sysProperties: PropertiesOf<SysConfig> = {
  interval: {
    type: "integer",
    minimum: 0,
    maximum: 86_400,
    default: 10,
    description: "Seconds between updates of the `$SYS` topics; 0 disables them.",
  },
};
