/**
 * The world the Gooee tests run in: a registry (the real one, over the memory registry store) with a
 * building, its level, an area, a space and the devices of the seed's examples placed in the space,
 * payload schemas for `temperature` and `als`, and a broker with the Gooee dialect enabled for tenant
 * `acme` in the configuration (and for `initech` in the registry only; `globex` has no dialect).
 * @module
 */

import { pino } from "pino";
import { loadConfig } from "../../../src/config/load-config.js";
import type { AuthenticationResult, Authenticator } from "../../../src/hooks/authenticator.js";
import { deny } from "../../../src/hooks/decision.js";
import { ANONYMOUS_PRINCIPAL } from "../../../src/hooks/principal.js";
import { startSwitchboard, type Switchboard } from "../../../src/main.js";
import { Registry } from "../../../src/platform/registry/registry.js";
import { ReasonCode } from "../../../src/protocol/reason-codes.js";
import { MemoryRegistryStore } from "../../../src/storage/index.js";

/** Ids from the seed's examples, so its payloads are valid as they are. */
export const IDS = {
  tenant: "acme",
  building: "bld-hq",
  level: "lvl-3",
  area: "area-east",
  space: "6f00fb32-2b3d-44c8-90cf-e526c252f6d5", // the seed's space action target
  otherBuilding: "bld-annex",
  /** The seed's MQTT.fx example device (meta). */
  metaDevice: "120e54bb-0fdc-4929-a7f4-7fab08cb0469",
  /** The seed's action example target. */
  actionDevice: "8551e830-eab3-4de4-84d4-bd9ff6615b7f",
  /** The seed's fault alarm example device. */
  alarmDevice: "b87fd763-0292-469e-8237-fc82a9f50d8c",
  /** A device in no zone (no building). */
  looseDevice: "dev-loose",
  disabledDevice: "dev-disabled",
} as const;

/** Users of the test authenticator: user name -> tenant. */
export const USERS: Readonly<Record<string, string>> = {
  alice: "acme",
  bob: "acme",
  carol: "globex",
  dave: "initech",
};

/** Accepts the user names of {@link USERS} (any password) as principals of their tenant. */
export function usersAuthenticator(users: Readonly<Record<string, string>> = USERS): Authenticator {
  return {
    name: "test-users",
    authenticate(attempt): AuthenticationResult {
      const tenant = attempt.username === undefined ? undefined : users[attempt.username];
      if (tenant === undefined) return deny(ReasonCode.BadUserNameOrPassword, "Unknown user");
      return {
        kind: "allow",
        principal: { ...ANONYMOUS_PRINCIPAL, id: attempt.username!, anonymous: false, tenant },
      };
    },
  };
}

function must<T>(result: { ok: true; value: T } | { ok: false; problem: { message: string } }): T {
  if (!result.ok) throw new Error(`Registry refused a test entity: ${result.problem.message}`);
  return result.value;
}

/** A registry holding the test world for tenant `acme` (and the same devices in `initech`, `globex`). */
export async function createWorld(): Promise<Registry> {
  const registry = new Registry({ store: new MemoryRegistryStore() });
  await registry.load();
  must(registry.create("tenants", { id: "acme", name: "Acme" }));
  must(registry.create("tenants", { id: "globex", name: "Globex" }));
  must(registry.create("tenants", { id: "initech", name: "Initech", dialects: ["gooee"] }));
  const tenant = IDS.tenant;
  must(registry.create("zones", { id: IDS.building, tenant, name: "HQ", type: "building" }));
  must(registry.create("zones", { id: IDS.otherBuilding, tenant, name: "Annex", type: "building" }));
  must(
    registry.create("zones", {
      id: IDS.level,
      tenant,
      name: "Level 3",
      type: "level",
      parentId: IDS.building,
    }),
  );
  must(
    registry.create("zones", { id: IDS.area, tenant, name: "East wing", type: "area", parentId: IDS.level }),
  );
  must(
    registry.create("zones", {
      id: IDS.space,
      tenant,
      name: "Office 301",
      type: "space",
      parentId: IDS.area,
    }),
  );
  for (const id of [IDS.metaDevice, IDS.actionDevice, IDS.alarmDevice])
    must(registry.create("devices", { id, tenant, name: `Device ${id.slice(0, 4)}`, zoneId: IDS.space }));
  must(registry.create("devices", { id: IDS.looseDevice, tenant, name: "Loose" }));
  must(registry.create("devices", { id: IDS.disabledDevice, tenant, name: "Off", enabled: false }));
  must(
    registry.create("schemas", {
      tenant,
      name: "temperature",
      schema: { type: "number", minimum: -50, maximum: 150 },
      unit: "C",
    }),
  );
  must(registry.create("schemas", { tenant, name: "als", schema: { type: "integer", minimum: 0 } }));
  // the other tenants: a device and a building with the same ids as acme's are not allowed (ids are
  // unique across the registry), so they get their own
  must(registry.create("devices", { id: "initech-dev", tenant: "initech", name: "Initech device" }));
  must(registry.create("devices", { id: "globex-dev", tenant: "globex", name: "Globex device" }));
  return registry;
}

export interface GooeeBroker {
  readonly switchboard: Switchboard;
  readonly registry: Registry;
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

export interface GooeeBrokerOptions {
  /** Configuration values merged over the defaults, section by section. */
  readonly config?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Defaults to {@link usersAuthenticator}; `null` uses the configured chain. */
  readonly authenticators?: readonly Authenticator[] | null;
  readonly registry?: Registry;
}

export async function startGooeeBroker(options: GooeeBrokerOptions = {}): Promise<GooeeBroker> {
  const values: Record<string, unknown> = {
    listeners: [{ name: "tcp", kind: "tcp", host: "127.0.0.1", port: 0 }],
    sys: { interval: 0 },
    log: { level: "silent" },
    storage: { kind: "memory" },
    auth: { backoff: { initialDelay: 0 } },
    dialects: { gooee: { tenants: [IDS.tenant] } },
  };
  for (const [section, value] of Object.entries(options.config ?? {})) {
    const base = values[section];
    values[section] =
      typeof base === "object" && base !== null && !Array.isArray(base) ? { ...base, ...value } : value;
  }
  const registry = options.registry ?? (await createWorld());
  const authenticators =
    options.authenticators === null ? undefined : (options.authenticators ?? [usersAuthenticator()]);
  const switchboard = await startSwitchboard({
    config: loadConfig({ values }),
    logger: pino({ level: process.env["TEST_LOG"] ?? "silent" }),
    registry,
    ...(authenticators === undefined ? {} : { authenticators }),
  });
  const port = switchboard.listeners[0]!.port;
  return {
    switchboard,
    registry,
    port,
    url: `mqtt://127.0.0.1:${port}`,
    stop: () => switchboard.stop(),
  };
}
