/**
 * A registry broker entity (`brokers`, see platform/registry/model.ts) as a bridge configuration: the
 * fields it was given, without what is the registry's (`tenant`, the owner; `name`, for people, so a
 * rename does not restart the bridge; `privacy` and `secret`, applied by {@link BridgePrivacy}; the
 * timestamps). Absent fields stay absent: the bridge's defaults fill them in.
 * @module
 */

import type { OutboundBroker } from "../platform/registry/index.js";
import type { BridgeConfigInput } from "./bridge-config.js";

/** The registry's fields of a broker, not the bridge's. */
const REGISTRY_FIELDS: ReadonlySet<string> = new Set([
  "tenant",
  "name",
  "privacy",
  "secret",
  "createdAt",
  "updatedAt",
]);

export function bridgeInputOf(broker: OutboundBroker): BridgeConfigInput {
  const input: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(broker))
    if (value !== undefined && !REGISTRY_FIELDS.has(field)) input[field] = value;
  return input as unknown as BridgeConfigInput;
}
