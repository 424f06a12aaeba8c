/**
 * The `sb-gooee` variant's registry for the in-process Gooee benchmarks (gooee-stage.bench.ts,
 * gooee-broker.bench.ts): a memory registry with the tenant (bench/brokers/gooee-world.ts), a building
 * with a space, `devices` devices `bench-dev-<i>` placed in it, and a payload schema for each meta
 * value the load generator publishes (bench/load/payload-format.ts). bench/brokers/gooee-server.mjs
 * builds the same world from the built dist/ for the TCP runs.
 * @module
 */

import { GOOEE_META_SCHEMAS } from "./load/payload-format.js";
import { GOOEE_TENANT } from "./brokers/gooee-world.js";
import { Registry } from "../src/platform/registry/index.js";
import { MemoryRegistryStore } from "../src/storage/index.js";

function must<T>(result: { ok: true; value: T } | { ok: false; problem: { message: string } }): T {
  if (!result.ok) throw new Error(`the registry refused an entity: ${result.problem.message}`);
  return result.value;
}

export async function gooeeRegistry(devices: number): Promise<Registry> {
  const tenant = GOOEE_TENANT;
  const registry = new Registry({ store: new MemoryRegistryStore() });
  await registry.load();
  must(registry.create("tenants", { id: tenant, name: "Bench" }));
  must(registry.create("zones", { id: "bench-building", tenant, name: "B", type: "building" }));
  must(
    registry.create("zones", {
      id: "bench-space",
      tenant,
      name: "S",
      type: "space",
      parentId: "bench-building",
    }),
  );
  for (let i = 0; i < devices; i++)
    must(registry.create("devices", { id: `bench-dev-${i}`, tenant, name: `D${i}`, zoneId: "bench-space" }));
  for (const [name, { schema, unit }] of Object.entries(GOOEE_META_SCHEMAS))
    must(registry.create("schemas", { tenant, name, schema, ...(unit === undefined ? {} : { unit }) }));
  await registry.commit();
  return registry;
}
