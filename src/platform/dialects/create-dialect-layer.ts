/**
 * Builds the dialect layer the configuration and the registry call for: every dialect implementation,
 * the configuration's tenants per dialect, and the registry. None when no tenant can have a dialect (no
 * dialect in the configuration and no registry to enable one at run time): a plain broker has no
 * dialect hooks at all.
 * @module
 */

import type { Config } from "../../config/index.js";
import type { Logger } from "../../observability/index.js";
import type { RegistryView } from "../registry/registry-view.js";
import type { Dialect } from "./dialect.js";
import { DialectLayer } from "./dialect-layer.js";
import { EMPTY_REGISTRY } from "./empty-registry.js";
import { createGooeeDialect } from "./gooee/index.js";

/** One instance of every dialect there is (each keeps per-broker caches). */
export function createDialects(): Dialect[] {
  return [createGooeeDialect()];
}

export function createDialectLayer(options: {
  readonly config: Config;
  readonly registry: RegistryView | undefined;
  readonly logger: Logger;
}): DialectLayer | undefined {
  const { config, registry, logger } = options;
  const configured: Record<string, readonly string[]> = { gooee: config.dialects.gooee.tenants };
  const anyConfigured = Object.values(configured).some((tenants) => tenants.length > 0);
  if (!anyConfigured && registry === undefined) return undefined;
  if (registry === undefined)
    logger.warn("Dialects are enabled but there is no registry: every device and zone is unknown to them");
  return new DialectLayer({
    dialects: createDialects(),
    configured,
    registry: registry ?? EMPTY_REGISTRY,
    logger: logger.child({ component: "dialects" }),
  });
}
