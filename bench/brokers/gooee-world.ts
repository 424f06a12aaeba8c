/**
 * The Gooee variant's world (`sb-gooee`, issue 5): one tenant with the Gooee dialect, which anonymous
 * clients belong to, `GOOEE_DEVICES` devices `bench-dev-<i>` placed in a space of a building, and a
 * payload schema for each of the 5 meta values the generator publishes (bench/load/payload-format.ts).
 * bench/brokers/gooee-server.mjs builds it from `gooeeServerArgs`.
 * @module
 */

import { GOOEE_META_SCHEMAS, GOOEE_META_VALUES } from "../load/payload-format.js";
import type { FanInTopics } from "../lib/types.js";

export const GOOEE_TENANT = "bench";
/** Devices in the registry: at least as many as any scenario has publishers. */
export const GOOEE_DEVICES = 100;
const DEVICE_PREFIX = "bench-dev-";

/**
 * Topics of the Gooee scenarios: publisher i publishes its meta array to `devices/bench-dev-<i>/meta`.
 * `derived`: the subscriber listens to the dialect's derived topics `devices/+/meta/+` (one message per
 * value); else to `devices/+/meta` (the publish itself, on a broker without the dialect).
 */
export function gooeeTopics(derived: boolean): FanInTopics {
  return {
    publish: `devices/${DEVICE_PREFIX}{i}/meta`,
    subscribe: derived ? "devices/+/meta/+" : "devices/+/meta",
    copies: derived ? GOOEE_META_VALUES : 1,
  };
}

/** The one JSON argument of gooee-server.mjs. */
export function gooeeServerArgs(dist: string, port: number): string {
  return JSON.stringify({
    dist,
    port,
    tenant: GOOEE_TENANT,
    devices: Array.from({ length: GOOEE_DEVICES }, (_, i) => `${DEVICE_PREFIX}${i}`),
    schemas: GOOEE_META_SCHEMAS,
  });
}
