/**
 * The dialect layer: which dialects each tenant has (the configuration's `dialects.<name>.tenants`
 * and the registry's `Tenant.dialects`, together), the lookup of a topic in a tenant's tables, the
 * making of broker messages from renderings, and projection: an envelope is rendered by every dialect
 * the tenant has, whichever dialect (or API) it came in through.
 *
 * It reaches the broker only through the hooks: {@link DialectAuthorizer} (the tables' permissions and
 * refusals) and {@link DialectStage} (inbound publishes), created here. A tenant without dialects costs
 * one map lookup per request and keeps plain-broker behaviour.
 *
 * Lifecycle: `start()` (once the broker has loaded its state) starts the dialects that follow the
 * registry (`Dialect.start`) and the inputs (Redis); `stop()` (before the broker closes) stops them.
 * @module
 */

import type { MessageStageHost } from "../../hooks/index.js";
import type { Logger } from "../../observability/index.js";
import type { ApplicationMessage } from "../../session/index.js";
import { mountOf, prefixFor, type TenantMount } from "../../tenancy/index.js";
import type { EventEnvelope } from "../envelope/index.js";
import type { RegistryView } from "../registry/registry-view.js";
import type { Dialect, DialectContext, DialectInput, DialectRuntime, Rendered } from "./dialect.js";
import { DialectAuthorizer } from "./dialect-authorizer.js";
import { DialectStage } from "./dialect-stage.js";
import { type RegistryFeed, registryFeed } from "./registry-feed.js";
import { type TableMatch, TopicTable } from "./topic-table.js";

export interface CompiledDialect {
  readonly dialect: Dialect;
  readonly table: TopicTable;
}

/** A tenant's dialects, in order (the configuration's first, then the registry's), and its mount. */
export interface TenantDialects {
  readonly tenant: string;
  readonly dialects: readonly CompiledDialect[];
  readonly mount: TenantMount;
}

export interface DialectMatch {
  readonly dialect: CompiledDialect;
  readonly match: TableMatch;
}

export interface DialectLayerOptions {
  /** Every dialect implementation available. */
  readonly dialects: readonly Dialect[];
  /** The configuration's tenants per dialect name (`dialects.<name>.tenants`). */
  readonly configured: Readonly<Record<string, readonly string[]>>;
  readonly registry: RegistryView;
  readonly logger: Logger;
  /** Sources of events outside MQTT, started and stopped with the layer. */
  readonly inputs?: readonly DialectInput[];
}

/** The broker's retained messages, as `DialectLayer.start` reads them (the broker's `retained`). */
export interface RetainedReader {
  match(
    filter: string,
    now: number,
    visit: (message: { readonly topic: string; readonly publisherId: string | undefined }) => void,
  ): void;
}

/** What a rendering inherits when it does not say: from the inbound message, or none. */
export interface Origin {
  readonly qos: 0 | 1 | 2;
  readonly retain: boolean;
  readonly expiresAt: number | undefined;
}

/** A remembered answer of `DialectLayer.lookupTopic`: valid for that list of dialects only. */
interface TopicAnswer {
  readonly dialects: readonly CompiledDialect[];
  readonly match: DialectMatch | undefined;
}

/** Topics whose lookup a layer remembers; the next new one beyond it clears them all. */
const TOPIC_ANSWERS_KEPT = 4096;

const EMIT_ORIGIN: Origin = { qos: 0, retain: false, expiresAt: undefined };
const NONE: readonly CompiledDialect[] = Object.freeze([]);

export class DialectLayer {
  readonly registry: RegistryView;
  /** The registry's change feed and lists, when `registry` is the registry itself. */
  readonly feed: RegistryFeed | undefined;
  readonly logger: Logger;
  readonly authorizer: DialectAuthorizer;
  readonly stage: DialectStage;
  readonly inputs: readonly DialectInput[];
  readonly #byName = new Map<string, CompiledDialect>();
  readonly #configured = new Map<string, readonly CompiledDialect[]>();
  /** Per tenant: the registry's list it was computed from, and the result. */
  readonly #cache = new Map<
    string,
    { readonly source: readonly string[]; readonly value: TenantDialects; readonly generation: number }
  >();
  #host: MessageStageHost | undefined;
  #started: Promise<void> | undefined;
  /** The last {@link lookupTopic} question and answer. */
  #lastDialects: readonly CompiledDialect[] | undefined;
  #lastTopic: string | undefined;
  #lastMatch: DialectMatch | undefined;
  /** {@link lookupTopic}'s answers by topic, each with the list of dialects it is for. */
  readonly #answers = new Map<string, TopicAnswer>();
  #stopped: Promise<void> | undefined;

  constructor(options: DialectLayerOptions) {
    this.registry = options.registry;
    this.feed = registryFeed(options.registry);
    this.logger = options.logger;
    this.inputs = options.inputs ?? [];
    for (const dialect of options.dialects)
      this.#byName.set(dialect.name, { dialect, table: new TopicTable(dialect.topics) });
    for (const [name, tenants] of Object.entries(options.configured)) {
      const compiled = this.#byName.get(name);
      if (compiled === undefined)
        throw new RangeError(`Cannot enable dialect "${name}": there is no such dialect`);
      for (const tenant of tenants)
        this.#configured.set(tenant, [...(this.#configured.get(tenant) ?? []), compiled]);
    }
    this.authorizer = new DialectAuthorizer(this);
    this.stage = new DialectStage(this);
  }

  /** The names of the dialects available. */
  get names(): readonly string[] {
    return [...this.#byName.keys()];
  }

  /** The dialect called `name`, if there is one. */
  dialect(name: string): Dialect | undefined {
    return this.#byName.get(name)?.dialect;
  }

  /** Called by the stage when the broker attaches it. */
  attach(host: MessageStageHost): void {
    this.#host = host;
  }

  /** The broker's clock (milliseconds since the epoch); `Date.now` before the broker attaches. */
  now(): number {
    return this.#host === undefined ? Date.now() : this.#host.now();
  }

  /**
   * Starts the dialects that have a lifecycle and the inputs; call it once the broker has started
   * (its retained messages loaded), with the broker's retained messages so that a dialect can clear
   * stale ones. Later calls return the first call's promise.
   */
  start(options: { readonly retained?: RetainedReader } = {}): Promise<void> {
    return (this.#started ??= Promise.resolve().then(() => {
      if (this.#stopped !== undefined) return;
      for (const { dialect } of this.#byName.values())
        if (dialect.start !== undefined) dialect.start(this.#runtime(dialect.name, options.retained));
      for (const input of this.inputs) input.start();
    }));
  }

  /** Stops the inputs and the dialects (call it before the broker closes). Later calls return the first's promise. */
  stop(): Promise<void> {
    return (this.#stopped ??= (async () => {
      await this.#started?.catch(() => undefined);
      const results = await Promise.allSettled(this.inputs.map((input) => input.stop()));
      for (const result of results)
        if (result.status === "rejected")
          this.logger.warn({ err: result.reason as unknown }, "A dialect input failed to stop cleanly");
      for (const { dialect } of this.#byName.values()) dialect.stop?.();
    })());
  }

  /**
   * The dialects `tenant` has (none: an empty list), with its mount. Asked twice per inbound PUBLISH
   * (the authorizer, the stage): while the registry's generation is the one the answer was made at,
   * no entity changed, so the tenant's list did not either, and the registry is not asked.
   */
  forTenant(tenant: string): TenantDialects {
    const cached = this.#cache.get(tenant);
    const generation = this.registry.generation;
    if (cached !== undefined && cached.generation === generation) return cached.value;
    const fromRegistry = this.registry.tenantDialects(tenant);
    if (cached !== undefined && sameNames(cached.source, fromRegistry)) {
      this.#cache.set(tenant, { ...cached, generation });
      return cached.value;
    }
    const dialects = [...(this.#configured.get(tenant) ?? NONE)];
    for (const name of fromRegistry) {
      const compiled = this.#byName.get(name);
      if (compiled !== undefined && !dialects.includes(compiled)) dialects.push(compiled);
    }
    const value: TenantDialects = {
      tenant,
      dialects: dialects.length === 0 ? NONE : dialects,
      mount: mountOf(tenant),
    };
    this.#cache.set(tenant, { source: fromRegistry, value, generation });
    return value;
  }

  /**
   * {@link lookup} for a topic name as a string. The last answer is remembered: the authorizer and then
   * the stage ask about each inbound PUBLISH's topic in turn, and the second question is then free.
   * The answers for recent topics are remembered too (at most {@link TOPIC_ANSWERS_KEPT}, of any
   * tenant): devices publish to the same few topics again and again, and hashing the topic costs a
   * fraction of splitting it and matching the levels against the table's rows. Tables never change
   * once compiled, and a tenant's list of dialects is replaced, not changed, so the (list, topic) pair
   * is a sound key.
   */
  lookupTopic(dialects: readonly CompiledDialect[], topic: string): DialectMatch | undefined {
    if (this.#lastDialects === dialects && this.#lastTopic === topic) return this.#lastMatch;
    const known = this.#answers.get(topic);
    let found: DialectMatch | undefined;
    if (known !== undefined && known.dialects === dialects) found = known.match;
    else {
      found = this.lookup(dialects, topic.split("/"));
      if (this.#answers.size >= TOPIC_ANSWERS_KEPT) this.#answers.clear(); // then starts again
      this.#answers.set(topic, { dialects, match: found });
    }
    this.#lastDialects = dialects;
    this.#lastTopic = topic;
    this.#lastMatch = found;
    return found;
  }

  /** The first row of the tenant's dialects matching a topic name (split at "/"). */
  lookup(dialects: readonly CompiledDialect[], levels: readonly string[]): DialectMatch | undefined {
    for (const dialect of dialects) {
      const match = dialect.table.lookup(levels);
      if (match !== undefined) return { dialect, match };
    }
    return undefined;
  }

  /**
   * Renders an envelope that entered outside an MQTT publish (the REST API, another system) on every
   * dialect its tenant has, and publishes the renderings (QoS 0, not retained unless a rendering says
   * so). Returns the number of local deliveries.
   */
  emit(envelope: EventEnvelope): number {
    const host = this.#host;
    if (host === undefined)
      throw new Error("Cannot emit an envelope: the dialect layer is not attached to a broker");
    const tenant = this.forTenant(envelope.tenant);
    const now = host.now();
    const context: DialectContext = { registry: this.registry, tenant: envelope.tenant, now };
    const renderings: Rendered[] = [];
    this.render(tenant, envelope, context, renderings);
    let deliveries = 0;
    for (const rendered of renderings)
      deliveries += host.publish(this.toMessage(tenant.mount, rendered, EMIT_ORIGIN, now), now);
    return deliveries;
  }

  /** Publishes renderings in `tenant`'s namespace as the broker's messages (QoS 0, not retained unless they say). */
  publish(tenant: string, rendered: readonly Rendered[]): number {
    const host = this.#host;
    if (host === undefined) throw new Error("Cannot publish: the dialect layer is not attached to a broker");
    const mount = mountOf(tenant);
    const now = host.now();
    let deliveries = 0;
    for (const r of rendered) deliveries += host.publish(this.toMessage(mount, r, EMIT_ORIGIN, now), now);
    return deliveries;
  }

  #runtime(name: string, retained: RetainedReader | undefined): DialectRuntime {
    const has = (tenant: string): boolean =>
      this.forTenant(tenant).dialects.some((compiled) => compiled.dialect.name === name);
    return {
      registry: this.registry,
      feed: this.feed,
      logger: this.logger.child({ dialect: name }),
      now: () => this.now(),
      emit: (envelope) => this.emit(envelope),
      publish: (tenant, rendered) => this.publish(tenant, rendered),
      enabled: has,
      tenants: () => this.#knownTenants().filter(has),
      otherTenants: () => this.#knownTenants().filter((tenant) => !has(tenant)),
      retained: (tenant, filter, visit) => {
        if (retained === undefined) return;
        const mount = mountOf(tenant);
        const prefix = mount.root ? "" : prefixFor(mount, filter);
        retained.match(prefix + filter, this.now(), (message) =>
          visit(message.topic.slice(prefix.length), message.publisherId === undefined),
        );
      },
    };
  }

  /** The tenants the configuration (any dialect's) or the registry knows. */
  #knownTenants(): string[] {
    const known = new Set(this.#configured.keys());
    if (this.feed !== undefined) for (const tenant of this.feed.list("tenants").items) known.add(tenant.id);
    return [...known];
  }

  /**
   * Adds the renderings of `envelope` by every dialect of the tenant to `out` (a dialect that throws
   * is logged and skipped: what it added before it threw is taken out again).
   */
  render(tenant: TenantDialects, envelope: EventEnvelope, context: DialectContext, out: Rendered[]): void {
    const dialects = tenant.dialects;
    for (let i = 0; i < dialects.length; i++) {
      const dialect = dialects[i]!.dialect;
      const before = out.length;
      try {
        dialect.render(envelope, context, out);
      } catch (error) {
        out.length = before;
        this.logger.error(
          { err: error, dialect: dialect.name, envelope: envelope.id },
          `Dialect "${dialect.name}" failed to render an event`,
        );
      }
    }
  }

  /** A broker message for a rendering in the tenant's namespace. */
  toMessage(mount: TenantMount, rendered: Rendered, origin: Origin, now: number): ApplicationMessage {
    const topic = rendered.topic;
    const prefix = mount.root ? undefined : prefixFor(mount, topic);
    const message: ApplicationMessage = {
      id: this.#host!.nextMessageId(),
      topic: prefix === undefined ? topic : prefix + topic,
      payload: rendered.payload,
      qos: rendered.qos ?? origin.qos,
      retain: rendered.retain ?? origin.retain,
      properties: rendered.properties,
      createdAt: now,
      expiresAt: origin.expiresAt,
      publisherId: undefined, // the broker's message: No Local does not hold it back
      // in the literal, set or not (added afterwards: a property store and two transitions per message)
      clientTopic: prefix === undefined ? undefined : topic,
      mountPrefix: prefix,
    };
    return message;
  }
}

/** Whether two short lists of names are equal, element by element. */
function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
