/**
 * PlaceOS's outbound side: what appears on its topics, kept in step with the registry.
 *
 * | envelope                      | renderings (all retained)                                                  |
 * | ----------------------------- | -------------------------------------------------------------------------- |
 * | `state` of a module           | `placeos/<org>/state/.../<key>`: `{"time", "value"}`, the value's text as the driver gave it (`dataText`) when the envelope has it |
 * | `metadata` of a zone          | its `placeos/<org>/metadata/<id>`; when its place in the hierarchy may have changed (anything but its name or description), every topic of the tenant is checked |
 * | `metadata` of a system        | its metadata; when its zones changed, its modules' state topics             |
 * | `metadata` of a driver        | its metadata, under every org of the tenant                                 |
 * | `metadata` of a module        | its state topics, moved when its name, index, system or driver changed      |
 *
 * Every rendering is compared with what was published ({@link PublishedTopics}): a topic that is no
 * longer right is cleared with a zero-length retained message, a new or changed one is published, an
 * unchanged one is left alone. A system with no org publishes nothing (and it is logged once); a
 * deleted entity's topics are cleared. Clears come before publishes, and a topic both cleared and
 * published in one rendering is only published.
 * @module
 */

import type { Logger } from "../../../observability/index.js";
import type { QoS } from "../../../protocol/index.js";
import type { EventEnvelope } from "../../envelope/index.js";
import type { RegistryView } from "../../registry/registry-view.js";
import type { System, Zone } from "../../registry/model.js";
import { stateValueJson } from "../../registry/state-value-json.js";
import type { DialectContext, Rendered } from "../dialect.js";
import type { RegistryFeed } from "../registry-feed.js";
import type { PlaceosHierarchy } from "./placeos-hierarchy.js";
import {
  driverMetadata,
  envelopeMillis,
  metadataTopic,
  type ModulePlacement,
  placeModule,
  stateMillis,
  statePayload,
  stateTopic,
  systemMetadata,
  type ValueEncoding,
  zoneMetadata,
} from "./placeos-topics.js";
import { PublishedTopics } from "./published-topics.js";

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);
const NOTHING: ReadonlyMap<string, string> = new Map();
/** Fields whose change cannot move anything in the hierarchy. */
const COSMETIC = new Set(["name", "description"]);

export interface ProjectionOptions {
  readonly hierarchy: PlaceosHierarchy;
  readonly valueEncoding: ValueEncoding;
  readonly qos: QoS;
  readonly logger?: Logger | undefined;
}

/** The renderings of one envelope or sync: clears first, then publishes. */
class Output {
  readonly #clears = new Set<string>();
  readonly #publishes = new Map<string, string>();

  publish(topic: string, payload: string): void {
    this.#publishes.set(topic, payload);
  }

  clear(topic: string): void {
    this.#clears.add(topic);
  }

  rendered(qos: QoS): Rendered[] {
    const out: Rendered[] = [];
    for (const topic of this.#clears)
      if (!this.#publishes.has(topic)) out.push({ topic, payload: EMPTY, qos, retain: true });
    for (const [topic, payload] of this.#publishes)
      out.push({ topic, payload: encoder.encode(payload), qos, retain: true });
    return out;
  }
}

export class PlaceosProjection {
  readonly hierarchy: PlaceosHierarchy;
  readonly valueEncoding: ValueEncoding;
  readonly qos: QoS;
  readonly published = new PublishedTopics();
  /** The registry's lists (set when the dialect starts): without them, a change reaches only its own entity. */
  feed: RegistryFeed | undefined;
  logger: Logger | undefined;
  /** Systems whose lack of an org has been logged (forgotten when they get one). */
  readonly #orphans = new Set<string>();

  constructor(options: ProjectionOptions) {
    this.hierarchy = options.hierarchy;
    this.valueEncoding = options.valueEncoding;
    this.qos = options.qos;
    this.logger = options.logger;
  }

  render(envelope: EventEnvelope, context: DialectContext): Rendered[] {
    if (envelope.tenant !== context.tenant) return [];
    const out = new Output();
    if (envelope.type === "state") this.#renderState(envelope, context, out);
    else if (envelope.type === "metadata") this.#renderMetadata(envelope, context, out);
    return out.rendered(this.qos);
  }

  /**
   * Everything `tenant` should have retained, compared with what was published: the full sync at
   * start (when nothing was published yet, everything is), and after the tenant gets the dialect.
   */
  sync(tenant: string, registry: RegistryView): Rendered[] {
    const out = new Output();
    this.#reconcileTenant(tenant, registry, out);
    return out.rendered(this.qos);
  }

  /** Clears everything published in `tenant` (it no longer has the dialect) and forgets it. */
  clear(tenant: string): Rendered[] {
    const out = new Output();
    for (const topic of this.published.forget(tenant)) out.clear(topic);
    return out.rendered(this.qos);
  }

  /** Clears `topics` of `tenant` that are not published now (stale retained messages found at start). */
  clearStale(tenant: string, topics: Iterable<string>): Rendered[] {
    const current = this.published.topics(tenant);
    const out = new Output();
    for (const topic of topics) if (!current.has(topic)) out.clear(topic);
    return out.rendered(this.qos);
  }

  // ---- state ----

  #renderState(envelope: EventEnvelope, context: DialectContext, out: Output): void {
    const { source, channel: key } = envelope;
    if (source.kind !== "modules") return;
    const { registry, tenant } = context;
    const placement = this.#place(registry, tenant, source.id);
    const published = this.published.module(tenant, source.id) ?? NOTHING;
    if (placement.kind !== "placed") {
      this.#reconcileModule(tenant, registry, source.id, out, placement);
      return;
    }
    // topics of other keys under another prefix: the module moved without a metadata event
    for (const topic of published.values())
      if (!topic.startsWith(placement.prefix)) {
        this.#reconcileModule(tenant, registry, source.id, out, placement, key);
        break;
      }
    const topic = stateTopic(placement.prefix, key);
    const before = (this.published.module(tenant, source.id) ?? NOTHING).get(key);
    if (before !== undefined && before !== topic) out.clear(before);
    const json = stateValueJson(envelope.data, envelope.dataText);
    out.publish(topic, statePayload(envelopeMillis(envelope), json, this.valueEncoding));
    if (before !== topic) {
      const next = new Map(this.published.module(tenant, source.id) ?? NOTHING);
      next.set(key, topic);
      this.published.setModule(tenant, source.id, next);
    }
  }

  /**
   * Brings a module's state topics in line with its placement: topics that moved are cleared and the
   * values republished (with the time they were recorded); a module with no placement loses them all.
   * `except` is a key the caller renders itself (its entry is kept as it is).
   */
  #reconcileModule(
    tenant: string,
    registry: RegistryView,
    moduleId: string,
    out: Output,
    placement: ModulePlacement = this.#place(registry, tenant, moduleId),
    except?: string,
  ): void {
    const published = this.published.module(tenant, moduleId) ?? NOTHING;
    const next = new Map<string, string>();
    if (placement.kind === "placed")
      for (const value of registry.state({ kind: "modules", id: moduleId })) {
        const key = value.channel;
        if (key === except) continue;
        const topic = stateTopic(placement.prefix, key);
        next.set(key, topic);
        if (published.get(key) !== topic)
          out.publish(
            topic,
            statePayload(
              stateMillis(value),
              stateValueJson(value.value, value.valueText),
              this.valueEncoding,
            ),
          );
      }
    for (const [key, topic] of published) {
      if (key === except) next.set(key, topic);
      else if (next.get(key) !== topic) out.clear(topic);
    }
    this.published.setModule(tenant, moduleId, next);
  }

  #place(registry: RegistryView, tenant: string, moduleId: string): ModulePlacement {
    const placement = placeModule(registry, this.hierarchy, tenant, registry.module(moduleId));
    if (placement.kind === "no-org") this.#orphan(placement.system);
    else if (placement.kind === "placed") this.#orphans.delete(placement.systemId);
    return placement;
  }

  #orphan(system: System): void {
    if (this.#orphans.has(system.id)) return;
    this.#orphans.add(system.id);
    const org = this.hierarchy.levels[0]!;
    this.logger?.warn(
      { tenant: system.tenant, system: system.id },
      `PlaceOS: system "${system.id}" is in no ${org} (no zone tagged "${org}" among its zones and their parents): nothing of it is published`,
    );
  }

  // ---- metadata ----

  #renderMetadata(envelope: EventEnvelope, context: DialectContext, out: Output): void {
    const { registry, tenant } = context;
    const { kind, id } = envelope.source;
    const changed = changedFields(envelope);
    switch (kind) {
      case "modules":
        this.#reconcileModule(tenant, registry, id, out);
        break;
      case "drivers":
        this.#reconcileMetadata(tenant, registry, kind, id, out, this.#orgs(tenant));
        break;
      case "systems":
        this.#reconcileMetadata(tenant, registry, kind, id, out);
        if (changed === undefined || changed.includes("zoneIds"))
          for (const moduleId of this.#modulesOf(tenant, id))
            this.#reconcileModule(tenant, registry, moduleId, out);
        break;
      case "zones":
        if (changed !== undefined && changed.every((field) => COSMETIC.has(field)))
          this.#reconcileMetadata(tenant, registry, kind, id, out);
        else this.#reconcileTenant(tenant, registry, out);
        break;
      default:
        break;
    }
  }

  /** An entity's metadata topics (a zone's or system's under its org, a driver's under `orgs`). */
  #reconcileMetadata(
    tenant: string,
    registry: RegistryView,
    kind: "zones" | "systems" | "drivers",
    id: string,
    out: Output,
    orgs: readonly Zone[] = [],
  ): void {
    const wanted = new Map<string, string>();
    if (kind === "zones") {
      const zone = registry.zone(id);
      const org =
        zone === undefined || zone.tenant !== tenant ? undefined : this.hierarchy.zoneOrg(registry, zone);
      if (org !== undefined) wanted.set(metadataTopic(org.id, id), JSON.stringify(zoneMetadata(zone!)));
    } else if (kind === "systems") {
      const system = registry.system(id);
      if (system !== undefined && system.tenant === tenant) {
        const org = this.hierarchy.systemZones(registry, system)[0];
        if (org === undefined) this.#orphan(system);
        else wanted.set(metadataTopic(org.id, id), JSON.stringify(systemMetadata(system)));
      }
    } else {
      const driver = registry.driver(id);
      if (driver !== undefined && driver.tenant === tenant) {
        const payload = JSON.stringify(driverMetadata(driver));
        for (const org of orgs) wanted.set(metadataTopic(org.id, id), payload);
      }
    }
    const key = `${kind}/${id}`;
    const published = this.published.metadata(tenant, key) ?? NOTHING;
    for (const [topic, payload] of wanted) if (published.get(topic) !== payload) out.publish(topic, payload);
    for (const topic of published.keys()) if (!wanted.has(topic)) out.clear(topic);
    this.published.setMetadata(tenant, key, wanted);
  }

  /** Every metadata and state topic of the tenant, and whatever was published for what is gone. */
  #reconcileTenant(tenant: string, registry: RegistryView, out: Output): void {
    const feed = this.feed;
    const entities = new Set(this.published.metadataKeys(tenant));
    const modules = new Set(this.published.moduleIds(tenant));
    let orgs: Zone[] = [];
    if (feed !== undefined) {
      const zones = feed.list("zones", { tenant }).items;
      orgs = zones.filter((zone) => this.hierarchy.isOrg(zone));
      for (const zone of zones) entities.add(`zones/${zone.id}`);
      for (const system of feed.list("systems", { tenant }).items) entities.add(`systems/${system.id}`);
      for (const driver of feed.list("drivers", { tenant }).items) entities.add(`drivers/${driver.id}`);
      for (const module of feed.list("modules", { tenant }).items) modules.add(module.id);
    }
    for (const key of entities) {
      const slash = key.indexOf("/");
      const kind = key.slice(0, slash) as "zones" | "systems" | "drivers";
      this.#reconcileMetadata(tenant, registry, kind, key.slice(slash + 1), out, orgs);
    }
    for (const moduleId of modules) this.#reconcileModule(tenant, registry, moduleId, out);
  }

  #orgs(tenant: string): Zone[] {
    if (this.feed === undefined) return [];
    return this.feed.list("zones", { tenant }).items.filter((zone) => this.hierarchy.isOrg(zone));
  }

  /** The modules of a system (a module that moves to another system has a `metadata` event of its own). */
  #modulesOf(tenant: string, systemId: string): Set<string> {
    const ids = new Set<string>();
    if (this.feed !== undefined)
      for (const module of this.feed.list("modules", { tenant, where: { systemId } }).items)
        ids.add(module.id);
    return ids;
  }
}

/** The fields a `metadata` envelope says changed (attribute `changed`), or undefined when it does not say. */
function changedFields(envelope: EventEnvelope): string[] | undefined {
  const changed = envelope.attributes["changed"];
  if (changed === undefined || envelope.attributes["op"] !== "update") return undefined;
  return changed === "" ? [] : changed.split(",");
}
