/**
 * The Gooee dialect: Gooee's "PubSub Message Broker" device API (seed 002), on the platform model.
 * Its topic table is the seed's, row for row, including the subscribe-only `rejected` topics; any
 * other topic drops the connection, as the seed says (v5: DISCONNECT 0x90 for a publish, 0x8F for a
 * subscription; 0x87 for a publish to a subscribe-only row of the table). Wildcard filters are
 * accepted when they can match a row (every row may be subscribed to). docs/dialects/gooee.md has the
 * topics, payloads and errors.
 * @module
 */

import { deny } from "../../../hooks/index.js";
import { EnvelopeIds, TimestampParser } from "../../envelope/index.js";
import { ReasonCode } from "../../../protocol/index.js";
import type { Dialect, DialectTopic } from "../dialect.js";
import {
  GOOEE,
  HEAD_COUNT_NAMES,
  ingestAction,
  ingestFaultAlarm,
  ingestHeadCount,
  ingestMeta,
} from "./gooee-ingest.js";
import { GooeeRenderer } from "./gooee-render.js";
import { SchemaCache } from "./schema-cache.js";

/** The refusals: the seed's "dropped connection", with a v5 reason code first. */
export const GOOEE_REFUSALS: Dialect["refusals"] = Object.freeze({
  publishOutside: deny(ReasonCode.TopicNameInvalid, "Topic is not part of the Gooee API", {
    disconnect: "always",
  }),
  publishNotPermitted: deny(ReasonCode.NotAuthorized, "Topic of the Gooee API is subscribe-only", {
    disconnect: "always",
  }),
  subscribeOutside: deny(ReasonCode.TopicFilterInvalid, "Topic filter is not part of the Gooee API", {
    disconnect: "always",
  }),
  subscribeNotPermitted: deny(ReasonCode.TopicFilterInvalid, "Topic filter is not part of the Gooee API", {
    disconnect: "always",
  }),
  wildcards: "within-table",
});

/** The Gooee dialect, with its own compiled-schema cache (make one per broker). */
export interface GooeeDialect extends Dialect {
  readonly schemas: SchemaCache;
}

export function createGooeeDialect(): GooeeDialect {
  const schemas = new SchemaCache();
  const ids = new EnvelopeIds();
  const times = new TimestampParser();
  const renderer = new GooeeRenderer();
  const headCounts = (plural: string, type: "area" | "space" | "building", label: string): DialectTopic[] =>
    HEAD_COUNT_NAMES.map((name) => ({
      pattern: `${plural}/{id}/meta/${name}`,
      publish: true,
      subscribe: true,
      description: `${name} Meta value for ${label}.`,
      ingest: ingestHeadCount(schemas, type, name),
    }));
  const topics: DialectTopic[] = [
    {
      pattern: "devices/{id}/meta",
      publish: true,
      subscribe: true,
      description: "All Meta values for a Device.",
      ingest: ingestMeta(schemas, ids, times),
    },
    {
      pattern: "devices/{id}/meta/{name}",
      publish: false,
      subscribe: true,
      description: "A specific Meta value for a Device.",
    },
    {
      pattern: "devices/{id}/actions",
      publish: true,
      subscribe: true,
      description: "All the Actions for a Device.",
      ingest: ingestAction(schemas, "device"),
    },
    {
      pattern: "devices/{id}/actions/{type}",
      publish: false,
      subscribe: true,
      description: "A specific Action on a Device.",
    },
    {
      pattern: "devices/{id}/fault_alarms",
      publish: true,
      subscribe: true,
      description: "Fault Alarms for a Device.",
      ingest: ingestFaultAlarm(schemas, "device"),
    },
    ...headCounts("areas", "area", "an Area"),
    {
      pattern: "spaces/{id}/actions",
      publish: true,
      subscribe: true,
      description: "All the Actions for a Space.",
      ingest: ingestAction(schemas, "space"),
    },
    {
      pattern: "spaces/{id}/actions/{type}",
      publish: false,
      subscribe: true,
      description: "A specific Action on a Space.",
    },
    ...headCounts("spaces", "space", "a Space"),
    {
      pattern: "buildings/{id}/actions",
      publish: false,
      subscribe: true,
      description: "All the Actions for Devices under the Building.",
    },
    {
      pattern: "buildings/{id}/actions/{type}",
      publish: false,
      subscribe: true,
      description: "Specific Actions for Devices under the Building.",
    },
    {
      pattern: "buildings/{id}/fault_alarms",
      publish: true,
      subscribe: true,
      description: "Fault Alarms for a Building.",
      ingest: ingestFaultAlarm(schemas, "building"),
    },
    ...headCounts("buildings", "building", "a Building"),
    {
      pattern: "devices/{id}/meta/rejected",
      publish: false,
      subscribe: true,
      description: "All rejected Meta values for a Device.",
    },
    {
      pattern: "devices/{id}/fault_alarms/rejected",
      publish: false,
      subscribe: true,
      description: "All rejected Fault Alarms for a Device.",
    },
    {
      pattern: "buildings/{id}/fault_alarms/rejected",
      publish: false,
      subscribe: true,
      description: "All rejected Fault Alarms for a Building.",
    },
  ];
  return {
    name: GOOEE,
    topics,
    refusals: GOOEE_REFUSALS,
    render: (envelope, context, out) => renderer.render(envelope, context, out),
    schemas,
  };
}
