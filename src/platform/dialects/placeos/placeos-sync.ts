/**
 * Keeps PlaceOS's retained topics in step with the registry while the dialect runs:
 *
 * - at start, for every tenant with the dialect: a full sync (all metadata and all current module
 *   state published, retained), then every retained message under `placeos/+/state/` and
 *   `placeos/+/metadata/` that the sync did not publish is cleared (left by an earlier run with another
 *   hierarchy, or by a change that happened while the broker was down);
 * - on every change of a zone, system, driver or module of such a tenant: a `metadata` envelope
 *   (source the entity, data its model info or null once deleted, attributes `op` and the `changed`
 *   fields) emitted through the layer, which every dialect of the tenant renders: PlaceOS publishes
 *   the metadata and moves or clears the state topics it affects;
 * - a tenant that gets the dialect in the registry is synced; one that loses it (or is deleted) has
 *   everything PlaceOS published for it cleared; so has, at start, a tenant known to the configuration
 *   or the registry that lost it while the broker was down (broker-made retained messages only).
 * @module
 */

import { createEnvelope } from "../../envelope/index.js";
import type { EntityRef } from "../../registry/model.js";
import type { RegistryChange } from "../../registry/index.js";
import type { DialectRuntime } from "../dialect.js";
import type { PlaceosProjection } from "./placeos-projection.js";
import {
  driverMetadata,
  type Metadata,
  moduleMetadata,
  systemMetadata,
  zoneMetadata,
} from "./placeos-topics.js";

/** Where stale retained messages are looked for, per tenant. */
const SWEPT_FILTERS = ["placeos/+/state/#", "placeos/+/metadata/+"] as const;
/** Bookkeeping fields that say nothing about the entity. */
const IGNORED_FIELDS = new Set(["updatedAt", "createdAt"]);

export class PlaceosSync {
  readonly #projection: PlaceosProjection;
  /** Tenants synced and followed. */
  readonly #active = new Set<string>();
  #runtime: DialectRuntime | undefined;
  #stopFeed: (() => void) | undefined;

  constructor(projection: PlaceosProjection) {
    this.#projection = projection;
  }

  start(runtime: DialectRuntime): void {
    if (this.#runtime !== undefined) return;
    this.#runtime = runtime;
    this.#projection.feed = runtime.feed;
    this.#projection.logger ??= runtime.logger;
    if (runtime.feed === undefined)
      runtime.logger.warn(
        "PlaceOS: the dialect layer has no registry change feed: metadata is not published and old topics are not cleared",
      );
    for (const tenant of runtime.tenants()) this.#sync(tenant);
    for (const tenant of runtime.otherTenants()) this.#clearLeft(tenant);
    this.#stopFeed = runtime.feed?.onChange((change) => this.#changed(change));
  }

  stop(): void {
    this.#stopFeed?.();
    this.#stopFeed = undefined;
  }

  /** The tenants synced and followed. */
  get tenants(): readonly string[] {
    return [...this.#active];
  }

  /**
   * What the dialect published for a tenant that lost it while the broker was down: the broker-made
   * retained messages under its topics (a client's own publishes there are left alone).
   */
  #clearLeft(tenant: string): void {
    const cleared = this.#clearStale(tenant, true);
    if (cleared > 0)
      this.#runtime!.logger.info(
        { tenant, cleared },
        "PlaceOS: cleared what the dialect had published for a tenant that no longer has it",
      );
  }

  /**
   * Clears the tenant's retained messages under PlaceOS's topics that the projection has not published
   * (with `brokerMadeOnly`, those a client published are left); returns how many.
   */
  #clearStale(tenant: string, brokerMadeOnly: boolean): number {
    const runtime = this.#runtime!;
    const retained: string[] = [];
    for (const filter of SWEPT_FILTERS)
      runtime.retained(tenant, filter, (topic, brokerMade) => {
        if (brokerMade || !brokerMadeOnly) retained.push(topic);
      });
    const stale = this.#projection.clearStale(tenant, retained);
    if (stale.length > 0) runtime.publish(tenant, stale);
    return stale.length;
  }

  #sync(tenant: string): void {
    const runtime = this.#runtime!;
    this.#active.add(tenant);
    const rendered = this.#projection.sync(tenant, runtime.registry);
    runtime.publish(tenant, rendered);
    const cleared = this.#clearStale(tenant, false);
    runtime.logger.info(
      { tenant, published: rendered.length, cleared },
      "PlaceOS: published the tenant's metadata and module state",
    );
  }

  #changed(change: RegistryChange): void {
    const runtime = this.#runtime!;
    if (change.kind === "tenants") {
      const tenant = (change.after ?? change.before)!.id;
      const enabled = change.after !== undefined && runtime.enabled(tenant);
      if (enabled && !this.#active.has(tenant)) this.#sync(tenant);
      else if (!enabled && this.#active.delete(tenant))
        runtime.publish(tenant, this.#projection.clear(tenant));
      return;
    }
    if (
      change.kind !== "zones" &&
      change.kind !== "systems" &&
      change.kind !== "drivers" &&
      change.kind !== "modules"
    )
      return;
    const entity = (change.after ?? change.before)!;
    const tenant = entity.tenant;
    if (!this.#active.has(tenant)) {
      // the tenant got the dialect from the configuration after start: not possible; from the registry: synced there
      if (runtime.enabled(tenant)) this.#sync(tenant);
      return;
    }
    if (change.kind === "modules" && change.op === "create") return; // no state yet, no metadata topic
    const source: EntityRef = { kind: change.kind, id: entity.id };
    const envelope = createEnvelope(
      {
        tenant,
        source,
        channel: change.op,
        type: "metadata",
        data: change.after === undefined ? null : metadataOf(change),
        dialect: "registry",
        attributes: { op: change.op, changed: changedFields(change.before, change.after).join(",") },
      },
      runtime.now(),
    );
    runtime.emit(envelope);
  }
}

function metadataOf(change: RegistryChange): Metadata | null {
  switch (change.kind) {
    case "zones":
      return change.after === undefined ? null : zoneMetadata(change.after);
    case "systems":
      return change.after === undefined ? null : systemMetadata(change.after);
    case "drivers":
      return change.after === undefined ? null : driverMetadata(change.after);
    case "modules":
      return change.after === undefined ? null : moduleMetadata(change.after);
    default:
      return null;
  }
}

/** The fields whose value differs between two versions of an entity (all of them for a create or delete). */
function changedFields(before: object | undefined, after: object | undefined): string[] {
  const a = (before ?? {}) as Readonly<Record<string, unknown>>;
  const b = (after ?? {}) as Readonly<Record<string, unknown>>;
  const fields = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...fields].filter(
    (field) => !IGNORED_FIELDS.has(field) && JSON.stringify(a[field]) !== JSON.stringify(b[field]),
  );
}
