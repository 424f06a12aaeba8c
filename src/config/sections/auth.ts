/**
 * The `auth` configuration section: its type and its JSON Schema.
 * @module
 */

import { type PropertiesOf } from "../schema-support.js";

export interface AuthConfig {
  /** Whether clients without credentials are accepted. Defaults to true only when every listener is on a loopback address. */
  readonly allowAnonymous: boolean;
}

export const authProperties: PropertiesOf<AuthConfig> = {
  allowAnonymous: {
    type: "boolean",
    "x-default": "`true` if every listener is on a loopback address, else `false`",
    description:
      "Whether clients that send no credentials are accepted. When not set, it is true only if every listener's host is a loopback address (127.0.0.0/8, ::1 or localhost), as in Mosquitto 2: a broker reachable from the network needs this set explicitly to accept anonymous clients.",
  },
};
