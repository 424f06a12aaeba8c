/**
 * What the PlaceOS dialect has published and left retained, per tenant: the state topic of each
 * module's state keys, and the metadata topics (with their payloads) of each zone, system and driver.
 *
 * It is how old topics are found when a name or a placement changes, or an entity goes: the old topic
 * is what was published, not something recomputed from an entity that no longer exists (a deleted
 * module's state keys are gone from the registry when the change is announced). It is rebuilt at
 * start by the full sync, and anything retained under `placeos/` that it does not hold is then cleared.
 * @module
 */

/** A module's state keys and the topic each was published on. */
export type ModuleTopics = ReadonlyMap<string, string>;

/** The metadata topics of an entity, with the payload text published on each. */
export type MetadataTopics = ReadonlyMap<string, string>;

class TenantTopics {
  readonly modules = new Map<string, ModuleTopics>();
  /** By `<kind>/<id>`. */
  readonly metadata = new Map<string, MetadataTopics>();
}

export class PublishedTopics {
  readonly #tenants = new Map<string, TenantTopics>();

  module(tenant: string, moduleId: string): ModuleTopics | undefined {
    return this.#tenants.get(tenant)?.modules.get(moduleId);
  }

  /** Records a module's topics (none: forgets the module). */
  setModule(tenant: string, moduleId: string, topics: ModuleTopics): void {
    if (topics.size === 0) this.#tenants.get(tenant)?.modules.delete(moduleId);
    else this.#of(tenant).modules.set(moduleId, topics);
  }

  metadata(tenant: string, entityKey: string): MetadataTopics | undefined {
    return this.#tenants.get(tenant)?.metadata.get(entityKey);
  }

  /** Records an entity's metadata topics (none: forgets the entity). */
  setMetadata(tenant: string, entityKey: string, topics: MetadataTopics): void {
    if (topics.size === 0) this.#tenants.get(tenant)?.metadata.delete(entityKey);
    else this.#of(tenant).metadata.set(entityKey, topics);
  }

  /** The ids of the modules with topics in `tenant`. */
  moduleIds(tenant: string): string[] {
    return [...(this.#tenants.get(tenant)?.modules.keys() ?? [])];
  }

  /** The `<kind>/<id>` keys of the entities with metadata topics in `tenant`. */
  metadataKeys(tenant: string): string[] {
    return [...(this.#tenants.get(tenant)?.metadata.keys() ?? [])];
  }

  /** Every topic published in `tenant`. */
  topics(tenant: string): Set<string> {
    const all = new Set<string>();
    const topics = this.#tenants.get(tenant);
    if (topics === undefined) return all;
    for (const keys of topics.modules.values()) for (const topic of keys.values()) all.add(topic);
    for (const entity of topics.metadata.values()) for (const topic of entity.keys()) all.add(topic);
    return all;
  }

  /** Forgets a tenant; returns every topic it had. */
  forget(tenant: string): Set<string> {
    const all = this.topics(tenant);
    this.#tenants.delete(tenant);
    return all;
  }

  #of(tenant: string): TenantTopics {
    let topics = this.#tenants.get(tenant);
    if (topics === undefined) this.#tenants.set(tenant, (topics = new TenantTopics()));
    return topics;
  }
}
