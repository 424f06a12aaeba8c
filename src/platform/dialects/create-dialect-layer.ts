/**
 * Builds the dialect layer the configuration and the registry call for: every dialect implementation,
 * the configuration's tenants per dialect, the registry, and the inputs (the PlaceOS Redis input when
 * `dialects.placeos.redis.enabled`). None when no tenant can have a dialect (no dialect in the
 * configuration and no registry to enable one at run time): a plain broker has no dialect hooks at all.
 * @module
 */

import type { Config } from "../../config/index.js";
import type { Logger } from "../../observability/index.js";
import { RedisStateInput } from "../inputs/index.js";
import type { RegistryView } from "../registry/registry-view.js";
import type { Dialect, DialectInput } from "./dialect.js";
import { DialectLayer } from "./dialect-layer.js";
import { EMPTY_REGISTRY } from "./empty-registry.js";
import { createGooeeDialect } from "./gooee/index.js";
import { createPlaceosDialect, setModuleState } from "./placeos/index.js";

/**
 * One instance of every dialect there is (each keeps per-broker state: caches, what it published),
 * with the configuration's settings (the defaults without one).
 */
export function createDialects(
  options: { readonly config?: Config; readonly logger?: Logger } = {},
): Dialect[] {
  const placeos = options.config?.dialects.placeos;
  return [
    createGooeeDialect(),
    createPlaceosDialect({
      ...(placeos === undefined
        ? {}
        : {
            settings: {
              hierarchy: placeos.hierarchy,
              valueEncoding: placeos.valueEncoding,
              driverRole: placeos.driverRole,
              qos: placeos.qos,
              apiWriters: { roles: placeos.api.writeRoles, scope: placeos.api.writeScope },
            },
          }),
      ...(options.logger === undefined ? {} : { logger: options.logger.child({ dialect: "placeos" }) }),
    }),
  ];
}

export function createDialectLayer(options: {
  readonly config: Config;
  readonly registry: RegistryView | undefined;
  readonly logger: Logger;
}): DialectLayer | undefined {
  const { config, registry, logger } = options;
  const configured: Record<string, readonly string[]> = {
    gooee: config.dialects.gooee.tenants,
    placeos: config.dialects.placeos.tenants,
  };
  const anyConfigured = Object.values(configured).some((tenants) => tenants.length > 0);
  if (!anyConfigured && registry === undefined) return undefined;
  if (registry === undefined)
    logger.warn("Dialects are enabled but there is no registry: every device and zone is unknown to them");
  const layerLogger = logger.child({ component: "dialects" });
  const inputs: DialectInput[] = [];
  const made: { layer?: DialectLayer } = {}; // the Redis input's sink needs the layer it is part of
  const redis = config.dialects.placeos.redis;
  if (redis.enabled)
    inputs.push(
      new RedisStateInput({
        url: redis.url,
        pattern: redis.pattern,
        logger: layerLogger,
        sink: (update) => setModuleState(made.layer!, { ...update, via: "redis" }),
      }),
    );
  const layer = new DialectLayer({
    dialects: createDialects({ config, logger: layerLogger }),
    configured,
    registry: registry ?? EMPTY_REGISTRY,
    logger: layerLogger,
    inputs,
  });
  made.layer = layer;
  return layer;
}
