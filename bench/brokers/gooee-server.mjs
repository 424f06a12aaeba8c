// Switchboard with the Gooee dialect for bench/run.ts (the `sb-gooee` variant, bench/brokers/gooee-world.ts):
// the broker from a built dist/ (the runner's snapshot), started programmatically with a registry (the
// memory registry store) holding one tenant with the dialect, its devices in a space of a building, and
// the payload schemas of the meta values the load generator publishes. Anonymous clients belong to that
// tenant. Everything else comes from the SWITCHBOARD_* environment, as for the `sb` broker.
// Usage: node bench/brokers/gooee-server.mjs '{"dist": "<dir>", "port": <n>, "tenant": "<id>",
//   "devices": ["<id>", ...], "schemas": {"<name>": {"schema": {...}, "unit": "<unit>"}, ...}}'
// Exits on SIGTERM/SIGINT after stopping the broker.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { pino } from "pino";

const args = JSON.parse(process.argv[2] ?? "null");
if (args === null || typeof args.dist !== "string" || !Number.isInteger(args.port)) {
  console.error("gooee-server: expected one JSON argument with dist, port, tenant, devices and schemas");
  process.exit(2);
}
const load = (file) => import(pathToFileURL(join(args.dist, file)).href);
const { startSwitchboard } = await load("main.js");
const { loadConfig } = await load("config/index.js");
const { Registry } = await load("platform/registry/index.js");
const { MemoryRegistryStore } = await load("storage/index.js");

function must(result) {
  if (!result.ok) throw new Error(`gooee-server: the registry refused an entity: ${result.problem.message}`);
  return result.value;
}

const { tenant } = args;
const registry = new Registry({ store: new MemoryRegistryStore() });
await registry.load();
must(registry.create("tenants", { id: tenant, name: "Bench" }));
must(registry.create("zones", { id: "bench-building", tenant, name: "Bench building", type: "building" }));
must(
  registry.create("zones", {
    id: "bench-space",
    tenant,
    name: "Bench space",
    type: "space",
    parentId: "bench-building",
  }),
);
for (const id of args.devices) {
  must(registry.create("devices", { id, tenant, name: `Device ${id}`, zoneId: "bench-space" }));
}
for (const [name, { schema, unit }] of Object.entries(args.schemas)) {
  must(registry.create("schemas", { tenant, name, schema, ...(unit === undefined ? {} : { unit }) }));
}
await registry.commit();

const config = loadConfig({
  env: process.env,
  values: {
    listeners: [{ name: "tcp", kind: "tcp", host: "127.0.0.1", port: args.port }],
    auth: { allowAnonymous: true, anonymous: { tenant } },
    dialects: { gooee: { tenants: [tenant] } },
  },
});
const logger = pino({ level: config.log.level, base: { service: "switchboard" } });
const switchboard = await startSwitchboard({ config, logger, registry });

let stopping = false;
const stop = () => {
  if (stopping) process.exit(1);
  stopping = true;
  switchboard.stop().then(
    () => process.exit(0),
    (error) => {
      console.error(`gooee-server: ${error?.message ?? error}`);
      process.exit(1);
    },
  );
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
