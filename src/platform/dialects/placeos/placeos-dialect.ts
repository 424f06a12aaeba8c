/**
 * The PlaceOS dialect: PlaceOS's MQTT integration (seeds 000 and 001) on the platform model. Module
 * state is published, retained, on `placeos/<org>/state/<zone levels>/<sys>/<drv>/<mod>/<idx>/<state>`
 * as `{"time": <unix ms>, "value": <json>}`, the metadata of zones, systems and drivers on
 * `placeos/<org>/metadata/<id>`; topics are cleared when what they name is renamed, moved or deleted.
 * Clients subscribe (wildcards included); only driver principals publish, and only module state on
 * `placeos/ingest/<module_id>/state/<key>`. Users of the MQTT API (`/api/mqtt`, `placeos-api.ts`)
 * subscribe only within their org's tree and publish only as support writers, to their org's modules. A topic outside the table is refused without ending the
 * connection (v5: 0x87 Not authorized), as PlaceOS's Mosquitto ACLs do. docs/dialects/placeos.md has
 * the topics, escaping, payloads and configuration.
 * @module
 */

import type { ClientIdentity } from "../../../hooks/index.js";
import { deny } from "../../../hooks/index.js";
import type { Logger } from "../../../observability/index.js";
import { ReasonCode } from "../../../protocol/index.js";
import type { Dialect, DialectRuntime, DialectTopic } from "../dialect.js";
import { PlaceosHierarchy } from "./placeos-hierarchy.js";
import {
  DEFAULT_API_WRITERS,
  isApiPrincipal,
  PLACEOS_API_ENDPOINT,
  isApiWriter,
  mayReadOrg,
  type PlaceosApiWriters,
} from "./placeos-api.js";
import { ingestModuleState } from "./placeos-ingest.js";
import { PlaceosProjection } from "./placeos-projection.js";
import { PlaceosSync } from "./placeos-sync.js";
import {
  INGEST_PATTERN,
  METADATA_PATTERN,
  PLACEOS,
  statePattern,
  type ValueEncoding,
} from "./placeos-topics.js";

/** The refusals: PlaceOS's Mosquitto ACLs refuse the request and keep the connection. */
export const PLACEOS_REFUSALS: Dialect["refusals"] = Object.freeze({
  publishOutside: deny(ReasonCode.NotAuthorized, "Topic is not part of the PlaceOS API"),
  publishNotPermitted: deny(
    ReasonCode.NotAuthorized,
    "Only drivers (and support users with the write scope) may publish, and only module state on placeos/ingest/<module_id>/state/<key>",
  ),
  subscribeOutside: deny(ReasonCode.NotAuthorized, "Topic filter is not part of the PlaceOS API"),
  subscribeNotPermitted: deny(
    ReasonCode.NotAuthorized,
    "Topic filter is publish-only, or outside the tree of your org (placeos/<org>/...)",
  ),
  wildcards: "within-table",
});

/** The dialect's settings (`dialects.placeos` without the tenants and the Redis input). */
export interface PlaceosSettings {
  readonly hierarchy: readonly string[];
  readonly valueEncoding: ValueEncoding;
  readonly driverRole: string;
  readonly qos: 0 | 1 | 2;
  /** Who may publish on the MQTT API for users (`/api/mqtt`). */
  readonly apiWriters: PlaceosApiWriters;
}

export const DEFAULT_PLACEOS_SETTINGS: PlaceosSettings = Object.freeze({
  hierarchy: Object.freeze(["org", "building", "level", "area"]),
  valueEncoding: "raw",
  driverRole: "driver",
  qos: 1,
  apiWriters: DEFAULT_API_WRITERS,
});

export interface PlaceosDialect extends Dialect {
  readonly settings: PlaceosSettings;
  readonly hierarchy: PlaceosHierarchy;
  /** What is published, and the renderer. */
  readonly projection: PlaceosProjection;
  /** Follows the registry once started. */
  readonly sync: PlaceosSync;
  start(runtime: DialectRuntime): void;
  stop(): void;
}

/**
 * A PlaceOS dialect (make one per broker: it remembers what it published). Throws a ConfigError for
 * a hierarchy that cannot be one.
 */
export function createPlaceosDialect(
  options: { readonly settings?: Partial<PlaceosSettings>; readonly logger?: Logger } = {},
): PlaceosDialect {
  const settings: PlaceosSettings = { ...DEFAULT_PLACEOS_SETTINGS, ...options.settings };
  const hierarchy = new PlaceosHierarchy(settings.hierarchy);
  const projection = new PlaceosProjection({
    hierarchy,
    valueEncoding: settings.valueEncoding,
    qos: settings.qos,
    logger: options.logger,
  });
  const sync = new PlaceosSync(projection);
  const driverRole = settings.driverRole;
  const { apiWriters } = settings;
  // API users write as support users do in PlaceOS; other principals as drivers
  const mayIngest = (client: ClientIdentity): boolean =>
    isApiPrincipal(client.principal)
      ? isApiWriter(client.principal, apiWriters)
      : client.principal.roles.includes(driverRole);
  const orgLevel = hierarchy.levels[0]!;
  const topics: DialectTopic[] = [
    {
      pattern: statePattern(hierarchy),
      publish: false,
      subscribe: (client, params) => mayReadOrg(client, params[orgLevel]),
      description:
        'The current value of a module\'s state key (retained): {"time": <unix ms>, "value": <json>}.',
    },
    {
      pattern: METADATA_PATTERN,
      publish: false,
      subscribe: (client, params) => mayReadOrg(client, params["org"]),
      description: "The model info of a zone, system or driver (retained).",
    },
    {
      pattern: INGEST_PATTERN,
      publish: mayIngest,
      subscribe: false,
      description: "Drivers publish a module's new state value (JSON) here.",
      ingest: ingestModuleState({ hierarchy }),
    },
  ];
  return {
    name: PLACEOS,
    topics,
    refusals: PLACEOS_REFUSALS,
    endpoint: PLACEOS_API_ENDPOINT,
    settings,
    hierarchy,
    projection,
    sync,
    render: (envelope, context, out) => {
      for (const rendered of projection.render(envelope, context)) out.push(rendered);
    },
    start: (runtime) => sync.start(runtime),
    stop: () => sync.stop(),
  };
}
