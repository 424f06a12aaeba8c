/**
 * The registry: every entity of the platform model, kept in memory, validated, persisted through a
 * {@link RegistryStore}, and announced to listeners when it changes.
 *
 * Reads are map lookups (the dialects call {@link RegistryView} methods on the publish path). Writes
 * validate the whole candidate entity against the rules of `entity-rules.ts`, record it in the store
 * (synchronously; `commit()` makes it durable) and then tell every `onChange` listener, which is how
 * the registry authenticator disconnects a disabled device or a revoked key at once. Expected refusals
 * are returned as {@link RegistryResult}s, never thrown.
 *
 * Indexes kept alongside the entities: login names (users' and devices' password user names share one
 * namespace, so a login is never ambiguous), device token hashes, payload schemas by (tenant, name),
 * module slots by (system, name, index), and child zones. Lists are ordered by creation time, then id;
 * the sorted order is cached per kind until an entity of that kind is created or deleted.
 *
 * Current state (`setState`/`state`): the latest value per entity channel, in memory and in the store
 * (the SQLite store coalesces repeated writes and commits them with the broker's turn). A write for an
 * entity that does not exist, or of a tenant other than the entity's, is dropped and counted.
 * @module
 */

import { randomUUID } from "node:crypto";
import type { RegistryStore } from "../../hooks/index.js";
import { shapeEntity, tenantOf } from "./entity-shape.js";
import { checkEntity, type LoginOwner, type RuleContext } from "./entity-rules.js";
import {
  type Entity,
  type EntityKind,
  entityKinds,
  type EntityOf,
  type EntityRef,
  type Module,
  type PayloadSchema,
  type StateValue,
  type Zone,
} from "./model.js";
import { createDefaults, type EntityInputOf, type EntityPatchOf, mutableFields } from "./registry-input.js";
import {
  kindNames,
  type RegistryProblem,
  type RegistryResult,
  type RuleViolation,
} from "./registry-problem.js";
import type { RegistryView, StateWrite } from "./registry-view.js";
import { DEFAULT_TENANT } from "../../hooks/index.js";

/** One change of the registry, as listeners get it. */
export type RegistryChange = {
  readonly [K in EntityKind]: {
    readonly kind: K;
    readonly op: "create" | "update" | "delete";
    /** The entity before the change (undefined for a create). */
    readonly before: EntityOf[K] | undefined;
    /** The entity after the change (undefined for a delete). */
    readonly after: EntityOf[K] | undefined;
  };
}[EntityKind];

export interface ListQuery {
  /** Only entities of this tenant (for `tenants`: only this tenant). */
  readonly tenant?: string;
  /** Field equality (for an array field: the array contains the value). */
  readonly where?: Readonly<Record<string, string | number | boolean>>;
  /** Any further condition. */
  readonly filter?: (entity: Entity) => boolean;
  /** Default 0. */
  readonly offset?: number;
  /** Default: every entity. */
  readonly limit?: number;
}

export interface ListPage<T> {
  readonly items: readonly T[];
  /** How many entities match, across all pages. */
  readonly total: number;
}

export interface RegistryOptions {
  readonly store: RegistryStore;
  /** Milliseconds since the epoch. Default `Date.now`. */
  readonly clock?: () => number;
  /** Ids of new entities created without one. Default `randomUUID`. */
  readonly newId?: () => string;
  /** Dialects the configuration enables for a tenant (added to the tenant's own). */
  readonly configDialects?: (tenant: string) => readonly string[];
  /** Called when a listener throws (the change itself stands). */
  readonly onListenerError?: (error: unknown) => void;
  /** Ids of the configuration's API keys (`auth.apiKeys`): a registry key cannot be created with one. */
  readonly configApiKeyIds?: readonly string[];
  /** User names of the configuration's users (`auth.users`): no registry login may have one. */
  readonly configUsernames?: readonly string[];
}

type Maps = { [K in EntityKind]: Map<string, EntityOf[K]> };

const slotKey = (systemId: string, name: string, index: number): string =>
  `${systemId}\u0000${name}\u0000${index}`;
const q = (value: string): string => JSON.stringify(value);

/**
 * @example
 * ```ts
 * const registry = new Registry({ store: new MemoryRegistryStore() });
 * await registry.load();
 * const created = registry.create("zones", { tenant: "default", name: "HQ", type: "building" });
 * if (!created.ok) console.error(created.problem.message);
 * ```
 */
/**
 * The kinds whose ids share one namespace: PlaceOS publishes the metadata of each at
 * `placeos/<org>/metadata/<id>`, whatever its kind, so two of them with one id would overwrite (and,
 * deleted, clear) each other's.
 */
const PLACES = ["zones", "systems", "drivers"] as const satisfies readonly EntityKind[];

export class Registry implements RegistryView, RuleContext {
  readonly store: RegistryStore;
  /** State writes dropped (unknown entity, or a tenant other than the entity's). */
  droppedStateWrites = 0;
  readonly #now: () => number;
  readonly #newId: () => string;
  readonly #configDialects: (tenant: string) => readonly string[];
  readonly #configApiKeyIds: ReadonlySet<string>;
  readonly #configUsernames: ReadonlySet<string>;
  readonly #onListenerError: (error: unknown) => void;
  readonly #maps = Object.fromEntries(entityKinds.map((kind) => [kind, new Map()])) as unknown as Maps;
  readonly #ordered = new Map<EntityKind, readonly Entity[]>();
  readonly #logins = new Map<string, LoginOwner>();
  readonly #tokens = new Map<string, string>();
  /** Payload schemas by tenant, then name (two lookups, no key string made per message). */
  readonly #schemaNames = new Map<string, Map<string, PayloadSchema>>();
  readonly #moduleSlots = new Map<string, Module>();
  readonly #children = new Map<string, Set<string>>();
  /** Current state by entity kind, then id, then channel (no key string made per write). */
  readonly #state = new Map<string, Map<string, Map<string, StateValue>>>();
  /** The entity of the last state lookup and its channels (a publish sets several channels of one entity). */
  #lastState:
    { readonly kind: string; readonly id: string; readonly channels: Map<string, StateValue> } | undefined;
  /**
   * The entity of the last accepted state write, with the tenant that owns it and its channels: the
   * next write to it (a publish sets several channels of one entity) needs neither the owner's lookup
   * nor the channels'. Forgotten whenever any entity is put or deleted.
   */
  #lastWrite:
    | {
        readonly kind: string;
        readonly id: string;
        readonly tenant: string;
        readonly channels: Map<string, StateValue>;
      }
    | undefined;
  #generation = 0;
  readonly #listeners = new Set<(change: RegistryChange) => void>();
  readonly #stateListeners = new Set<(value: StateValue) => void>();

  constructor(options: RegistryOptions) {
    this.store = options.store;
    this.#now = options.clock ?? Date.now;
    this.#newId = options.newId ?? randomUUID;
    this.#configDialects = options.configDialects ?? (() => []);
    this.#configApiKeyIds = new Set(options.configApiKeyIds);
    this.#configUsernames = new Set(options.configUsernames);
    this.#onListenerError = options.onListenerError ?? (() => undefined);
  }

  /** Loads what the store holds; creates the default tenant when it is missing. */
  async load(): Promise<void> {
    const snapshot = await this.store.load();
    for (const { kind, entity } of snapshot.entities) this.#put(kind, entity);
    for (const value of snapshot.state) this.#stateOf(value.entity, true).set(value.channel, value);
    if (!this.#maps.tenants.has(DEFAULT_TENANT)) {
      const created = this.create("tenants", { id: DEFAULT_TENANT, name: "Default" });
      if (!created.ok) throw new Error(created.problem.message);
    }
  }

  get generation(): number {
    return this.#generation;
  }

  /** Resolves once every change so far is durable. */
  commit(): Promise<void> {
    return this.store.commit();
  }

  /** Calls `listener` after every change; returns a function that stops it. */
  onChange(listener: (change: RegistryChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Calls `listener` after every accepted state write; returns a function that stops it. */
  onStateChange(listener: (value: StateValue) => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  // ---- CRUD ----

  get<K extends EntityKind>(kind: K, id: string): EntityOf[K] | undefined {
    return this.#maps[kind].get(id);
  }

  /** The number of entities of a kind. */
  count(kind: EntityKind): number {
    return this.#maps[kind].size;
  }

  list<K extends EntityKind>(kind: K, query: ListQuery = {}): ListPage<EntityOf[K]> {
    const { tenant, where, filter } = query;
    const conditions = where === undefined ? [] : Object.entries(where);
    const matches = (this.#sorted(kind) as readonly EntityOf[K][]).filter((entity) => {
      if (tenant !== undefined && tenantOf(kind, entity) !== tenant) return false;
      for (const [field, wanted] of conditions) {
        const actual = (entity as unknown as Record<string, unknown>)[field];
        if (Array.isArray(actual) ? !actual.includes(wanted) : actual !== wanted) return false;
      }
      return filter === undefined || filter(entity);
    });
    const offset = query.offset ?? 0;
    const end = query.limit === undefined ? undefined : offset + query.limit;
    return { items: matches.slice(offset, end), total: matches.length };
  }

  create<K extends EntityKind>(kind: K, input: EntityInputOf[K]): RegistryResult<EntityOf[K]> {
    const fields = input as unknown as Record<string, unknown>;
    const now = this.#now();
    const id = typeof fields["id"] === "string" ? fields["id"] : this.#newId();
    const label = `Cannot create ${kindNames[kind]}`;
    if (this.#maps[kind].has(id))
      return fail("conflict", `${label}: ${kindNames[kind]} ${q(id)} already exists`, "id");
    // zones, systems and drivers share one topic level (PlaceOS's `metadata/<id>`): their ids too
    if ((PLACES as readonly string[]).includes(kind))
      for (const other of PLACES)
        if (other !== kind && this.#maps[other].has(id))
          return fail("conflict", `${label}: ${kindNames[other]} ${q(id)} has that id`, "id");
    // the configuration's keys are asked first and refuse any other secret: a registry key with one
    // of their ids would never work
    if (kind === "apiKeys" && this.#configApiKeyIds.has(id))
      return fail("conflict", `${label}: the configuration has an API key ${q(id)} (auth.apiKeys)`, "id");
    const record: Record<string, unknown> = {
      ...createDefaults[kind],
      ...fields,
      id,
      createdAt: now,
      updatedAt: now,
    };
    if (kind === "modules" && record["index"] === undefined) record["index"] = this.#nextIndex(record);
    const entity = shapeEntity(kind, record);
    const unknown = Object.keys(fields).find((field) => !(field in entity));
    if (unknown !== undefined) return fail("invalid", `${label}: unknown field ${q(unknown)}`, unknown);
    const problem = checkEntity(kind, entity, this);
    if (problem !== undefined) return refused(label, problem);
    this.#put(kind, entity);
    this.store.putEntity({ kind, entity } as never);
    this.#emit({ kind, op: "create", before: undefined, after: entity } as RegistryChange);
    return { ok: true, value: entity };
  }

  update<K extends EntityKind>(kind: K, id: string, patch: EntityPatchOf[K]): RegistryResult<EntityOf[K]> {
    const label = `Cannot update ${kindNames[kind]} ${q(id)}`;
    const before = this.get(kind, id);
    if (before === undefined) return fail("not-found", `${label}: no such ${kindNames[kind]}`);
    const record: Record<string, unknown> = { ...before };
    const allowed: readonly string[] = mutableFields[kind];
    for (const [field, value] of Object.entries(patch as Record<string, unknown>)) {
      if (value === undefined) continue;
      if (!allowed.includes(field)) {
        const reason = field in before ? "cannot be changed" : "is not a field";
        return fail("invalid", `${label}: ${q(field)} ${reason}`, field);
      }
      record[field] = value === null ? undefined : value;
    }
    record["updatedAt"] = Math.max(this.#now(), before.updatedAt);
    const entity = shapeEntity(kind, record);
    const problem = checkEntity(kind, entity, this, before);
    if (problem !== undefined) return refused(label, problem);
    this.#unindex(kind, before);
    this.#put(kind, entity);
    this.store.putEntity({ kind, entity } as never);
    this.#emit({ kind, op: "update", before, after: entity } as RegistryChange);
    return { ok: true, value: entity };
  }

  /**
   * Deletes an entity. Refused (conflict) while other entities reference it, except a user's API keys,
   * which are deleted with the user. The entity's state values go with it.
   */
  delete<K extends EntityKind>(kind: K, id: string): RegistryResult<EntityOf[K]> {
    const label = `Cannot delete ${kindNames[kind]} ${q(id)}`;
    const before = this.get(kind, id);
    if (before === undefined) return fail("not-found", `${label}: no such ${kindNames[kind]}`);
    if (kind === "tenants" && id === DEFAULT_TENANT)
      return fail("conflict", `${label}: the default tenant always exists`);
    const referrers = this.#referrers(kind, id);
    if (referrers.length > 0) {
      const shown = referrers.slice(0, 3).map((r) => `${kindNames[r.kind]} ${q(r.id)}`);
      const more = referrers.length > 3 ? ` and ${referrers.length - 3} more` : "";
      return fail("conflict", `${label}: it is referenced by ${shown.join(", ")}${more}`);
    }
    if (kind === "users")
      for (const key of this.list("apiKeys", { where: { userId: id } }).items) this.delete("apiKeys", key.id);
    this.#unindex(kind, before);
    this.#maps[kind].delete(id);
    this.#generation++;
    this.#ordered.delete(kind);
    this.#lastWrite = undefined;
    this.store.deleteEntity(kind, id);
    if (
      kind === "devices" ||
      kind === "modules" ||
      kind === "zones" ||
      kind === "systems" ||
      kind === "applications"
    ) {
      const ref = { kind, id } as EntityRef;
      this.#lastState = undefined;
      if (this.#state.get(ref.kind)?.delete(ref.id) === true) this.store.deleteState(ref);
    }
    this.#emit({ kind, op: "delete", before, after: undefined } as RegistryChange);
    return { ok: true, value: before };
  }

  // ---- RuleContext and the authenticator's lookups ----

  loginOwner(username: string): LoginOwner | undefined {
    return this.#logins.get(username);
  }

  isConfigUser(username: string): boolean {
    return this.#configUsernames.has(username);
  }

  tokenOwner(tokenHash: string): string | undefined {
    return this.#tokens.get(tokenHash);
  }

  schemaNamed(tenant: string, name: string): PayloadSchema | undefined {
    return this.#schemaNames.get(tenant)?.get(name);
  }

  moduleAt(systemId: string, name: string, index: number): Module | undefined {
    return this.#moduleSlots.get(slotKey(systemId, name, index));
  }

  childZones(zoneId: string): readonly Zone[] {
    const ids = this.#children.get(zoneId);
    return ids === undefined ? [] : [...ids].map((id) => this.#maps.zones.get(id)!);
  }

  /** Whether any user, device credential or API key exists (anonymous access then refuses credentials). */
  holdsCredentials(): boolean {
    return this.#logins.size > 0 || this.#tokens.size > 0 || this.#maps.apiKeys.size > 0;
  }

  // ---- RegistryView ----

  device(id: string) {
    return this.#maps.devices.get(id);
  }
  zone(id: string) {
    return this.#maps.zones.get(id);
  }
  system(id: string) {
    return this.#maps.systems.get(id);
  }
  driver(id: string) {
    return this.#maps.drivers.get(id);
  }
  module(id: string) {
    return this.#maps.modules.get(id);
  }
  application(id: string) {
    return this.#maps.applications.get(id);
  }

  zoneAncestors(zoneId: string): readonly Zone[] {
    const ancestors: Zone[] = [];
    const seen = new Set<string>([zoneId]);
    let parentId = this.#maps.zones.get(zoneId)?.parentId;
    while (parentId !== undefined && !seen.has(parentId)) {
      const parent = this.#maps.zones.get(parentId);
      if (parent === undefined) break;
      ancestors.push(parent);
      seen.add(parentId);
      parentId = parent.parentId;
    }
    return ancestors;
  }

  payloadSchema(tenant: string, name: string): PayloadSchema | undefined {
    return this.schemaNamed(tenant, name);
  }

  tenantDialects(tenant: string): readonly string[] {
    const own = this.#maps.tenants.get(tenant)?.dialects ?? [];
    const configured = this.#configDialects(tenant);
    if (configured.length === 0) return own;
    return [...new Set([...configured, ...own])];
  }

  setState(write: StateWrite): void {
    const { entity, tenant } = write;
    const last = this.#lastWrite;
    let channels: Map<string, StateValue>;
    if (last !== undefined && last.id === entity.id && last.kind === entity.kind && last.tenant === tenant)
      channels = last.channels; // the owner checked for the write before, and no entity changed since
    else {
      const owner = this.#maps[entity.kind].get(entity.id);
      if (owner === undefined || owner.tenant !== tenant) {
        this.droppedStateWrites++;
        return;
      }
      channels = this.#stateOf(entity, true);
      this.#lastWrite = { kind: entity.kind, id: entity.id, tenant, channels };
    }
    // the write is the value (handed over, see RegistryView.setState), unless its value needs a null
    const value: StateValue =
      write.value !== undefined
        ? write
        : {
            tenant,
            entity,
            channel: write.channel,
            value: null,
            time: write.time,
            sourceTime: write.sourceTime,
          };
    channels.set(write.channel, value);
    this.store.putState(value);
    if (this.#stateListeners.size > 0)
      for (const listener of this.#stateListeners) this.#call(listener, value);
  }

  state(entity: EntityRef): readonly StateValue[] {
    const channels = this.#stateOf(entity, false);
    return channels === undefined ? [] : [...channels.values()];
  }

  // ---- internals ----

  #stateOf(entity: EntityRef, create: true): Map<string, StateValue>;
  #stateOf(entity: EntityRef, create: false): Map<string, StateValue> | undefined;
  #stateOf(entity: EntityRef, create: boolean): Map<string, StateValue> | undefined {
    const last = this.#lastState;
    if (last !== undefined && last.id === entity.id && last.kind === entity.kind) return last.channels;
    let byId = this.#state.get(entity.kind);
    if (byId === undefined) {
      if (!create) return undefined;
      byId = new Map();
      this.#state.set(entity.kind, byId);
    }
    let channels = byId.get(entity.id);
    if (channels === undefined && create) {
      channels = new Map();
      byId.set(entity.id, channels);
    }
    if (channels !== undefined) this.#lastState = { kind: entity.kind, id: entity.id, channels };
    return channels;
  }

  #sorted(kind: EntityKind): readonly Entity[] {
    let ordered = this.#ordered.get(kind);
    if (ordered === undefined) {
      ordered = [...(this.#maps[kind] as Map<string, Entity>).values()].sort(
        (a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
      );
      this.#ordered.set(kind, ordered);
    }
    return ordered;
  }

  #nextIndex(record: Readonly<Record<string, unknown>>): number {
    let highest = 0;
    for (const module of this.#maps.modules.values())
      if (module.systemId === record["systemId"] && module.name === record["name"])
        highest = Math.max(highest, module.index);
    return highest + 1;
  }

  /** Adds or replaces an entity in the maps and indexes (after unindexing a replaced one). */
  #put<K extends EntityKind>(kind: K, entity: EntityOf[K]): void {
    const map = this.#maps[kind] as Map<string, EntityOf[K]>;
    this.#ordered.delete(kind); // a replaced entity too: the sorted list holds the entities themselves
    this.#lastWrite = undefined; // it may have been the owner of the last state write
    this.#generation++;
    map.set(entity.id, entity);
    this.#index(kind, entity, true);
  }

  #unindex(kind: EntityKind, entity: Entity): void {
    this.#index(kind, entity, false);
  }

  #index(kind: EntityKind, entity: Entity, add: boolean): void {
    const set = <V>(map: Map<string, V>, key: string, value: V): void => {
      if (add) map.set(key, value);
      else map.delete(key);
    };
    switch (kind) {
      case "users": {
        const user = entity as EntityOf["users"];
        set(this.#logins, user.username, { kind: "users", id: user.id });
        break;
      }
      case "devices":
        for (const credential of (entity as EntityOf["devices"]).credentials) {
          if (credential.kind === "password")
            set(this.#logins, credential.username, { kind: "devices", id: entity.id });
          else set(this.#tokens, credential.tokenHash, entity.id);
        }
        break;
      case "schemas": {
        const schema = entity as PayloadSchema;
        let names = this.#schemaNames.get(schema.tenant);
        if (add) {
          if (names === undefined)
            this.#schemaNames.set(schema.tenant, (names = new Map<string, PayloadSchema>()));
          names.set(schema.name, schema);
        } else if (names?.delete(schema.name) === true && names.size === 0)
          this.#schemaNames.delete(schema.tenant);
        break;
      }
      case "modules": {
        const module = entity as Module;
        set(this.#moduleSlots, slotKey(module.systemId, module.name, module.index), module);
        break;
      }
      case "zones": {
        const parentId = (entity as Zone).parentId;
        if (parentId === undefined) break;
        let children = this.#children.get(parentId);
        if (add) {
          if (children === undefined) this.#children.set(parentId, (children = new Set()));
          children.add(entity.id);
        } else if (children?.delete(entity.id) === true && children.size === 0)
          this.#children.delete(parentId);
        break;
      }
      default:
        break;
    }
  }

  /** The entities that reference `kind`/`id` and block its deletion. */
  #referrers(kind: EntityKind, id: string): { readonly kind: EntityKind; readonly id: string }[] {
    const found: { kind: EntityKind; id: string }[] = [];
    const scan = <K extends EntityKind>(of: K, refers: (entity: EntityOf[K]) => boolean): void => {
      for (const entity of this.#sorted(of) as readonly EntityOf[K][])
        if (refers(entity)) found.push({ kind: of, id: entity.id });
    };
    switch (kind) {
      case "tenants":
        for (const of of entityKinds)
          if (of !== "tenants") scan(of, (e) => (e as { tenant: string }).tenant === id);
        scan("brokers", (broker) => broker.tenant !== id && broker.tenants.includes(id));
        break;
      case "zones":
        scan("zones", (zone) => zone.parentId === id);
        scan("systems", (system) => system.zoneIds.includes(id));
        scan("devices", (device) => device.zoneId === id);
        break;
      case "systems":
        scan("modules", (module) => module.systemId === id);
        break;
      case "drivers":
        scan("modules", (module) => module.driverId === id);
        break;
      case "applications":
        scan("devices", (device) => device.applicationId === id);
        break;
      default:
        break;
    }
    return found;
  }

  #emit(change: RegistryChange): void {
    for (const listener of this.#listeners) this.#call(listener, change);
  }

  #call<T>(listener: (value: T) => void, value: T): void {
    try {
      listener(value);
    } catch (error) {
      this.#onListenerError(error);
    }
  }
}

function fail(
  code: RegistryProblem["code"],
  message: string,
  field?: string,
): { ok: false; problem: RegistryProblem } {
  return { ok: false, problem: field === undefined ? { code, message } : { code, message, field } };
}

function refused(label: string, violation: RuleViolation): { ok: false; problem: RegistryProblem } {
  return fail(violation.code, `${label}: ${violation.detail}`, violation.field);
}
