/**
 * The world the PlaceOS tests run in: a registry (the real one, over the memory registry store) with
 * an org (a region tagged `org`), a building with a level and an area, systems placed at every depth
 * (and one in no org), the seed's Cisco VC driver `dep-123` and a display driver, and modules; a
 * broker with the PlaceOS dialect enabled for tenant `acme` in the configuration, started with its
 * dialect layer (what main.ts will do).
 *
 * Users of the test authenticator: `drv` is a driver principal of acme, `alice` a plain user of acme,
 * `gdrv` a driver principal of globex (which has the dialect in the registry), `carol` a user of
 * tenant `initech` (no dialect).
 * @module
 */

import { Writable } from "node:stream";
import { pino } from "pino";
import { loadConfig } from "../../../src/config/load-config.js";
import type { AuthenticationResult, Authenticator } from "../../../src/hooks/authenticator.js";
import { deny } from "../../../src/hooks/decision.js";
import { ANONYMOUS_PRINCIPAL } from "../../../src/hooks/principal.js";
import { startSwitchboard, type Switchboard } from "../../../src/main.js";
import type { DialectLayer } from "../../../src/platform/dialects/index.js";
import type { RedisStateInput } from "../../../src/platform/inputs/index.js";
import type { EntityInputOf } from "../../../src/platform/registry/index.js";
import { Registry } from "../../../src/platform/registry/registry.js";
import { ReasonCode } from "../../../src/protocol/reason-codes.js";
import { MemoryRegistryStore } from "../../../src/storage/index.js";
import type { ReceivedMessage } from "../../helpers/mqttjs.js";
import type { TestClient } from "./test-client.js";

export const T = "acme";

/** Ids of the test world (`_` is a valid id: it shows the escaping of a level that reads as missing). */
export const IDS = {
  org: "org-acme",
  building: "bld-1",
  level: "lvl-2",
  area: "area-n",
  otherBuilding: "bld-x",
  /** In the area: every level filled. */
  room: "sys-room",
  /** In the building only: level and area missing. */
  lobby: "sys-lobby",
  /** Id `_`, in the other building. */
  underscore: "_",
  /** In no zone: no org. */
  orphan: "sys-orphan",
  /** The seed's Cisco VC driver id. */
  vcDriver: "dep-123",
  displayDriver: "drv-display",
  vc: "mod-vc",
  display1: "mod-disp1",
  display2: "mod-disp2",
  lobbyDisplay: "mod-lobby",
  /** Named `_` (in the `_` system). */
  oddModule: "mod-odd",
  orphanModule: "mod-orphan",
  globexOrg: "org-globex",
  globexSystem: "sys-globex",
  globexModule: "mod-globex",
} as const;

interface TestUser {
  readonly tenant: string;
  readonly roles: readonly string[];
  readonly attributes?: Readonly<Record<string, string>>;
}

export const USERS: Readonly<Record<string, TestUser>> = {
  drv: { tenant: T, roles: ["driver"] },
  alice: { tenant: T, roles: [] },
  gdrv: { tenant: "globex", roles: ["driver"] },
  carol: { tenant: "initech", roles: [] },
  /** A user of acme limited to the org (as a registry user with an `org`). */
  "org-user": { tenant: T, roles: [], attributes: { org: IDS.org } },
  /** As if it had logged in on PlaceOS's own endpoint (`/api/mqtt`). */
  "api-user": { tenant: T, roles: [], attributes: { org: IDS.org, endpoint: "placeos-api" } },
};

/** Accepts the user names of {@link USERS} (any password) as principals of their tenant and roles. */
export function placeosUsers(): Authenticator {
  return {
    name: "test-users",
    authenticate(attempt): AuthenticationResult {
      const user = attempt.username === undefined ? undefined : USERS[attempt.username];
      if (user === undefined) return deny(ReasonCode.BadUserNameOrPassword, "Unknown user");
      return {
        kind: "allow",
        principal: {
          ...ANONYMOUS_PRINCIPAL,
          id: attempt.username!,
          anonymous: false,
          tenant: user.tenant,
          roles: user.roles,
          attributes: user.attributes ?? {},
        },
      };
    },
  };
}

export function must<T>(result: { ok: true; value: T } | { ok: false; problem: { message: string } }): T {
  if (!result.ok) throw new Error(`Registry refused a test entity: ${result.problem.message}`);
  return result.value;
}

/** The registry of the test world. */
export async function createPlaceosWorld(): Promise<Registry> {
  const registry = new Registry({ store: new MemoryRegistryStore() });
  await registry.load();
  fillPlaceosWorld(registry);
  return registry;
}

/** Creates the test world's entities in `registry` (a loaded one without them). */
export function fillPlaceosWorld(registry: Registry): void {
  must(registry.create("tenants", { id: T, name: "Acme" }));
  must(registry.create("tenants", { id: "globex", name: "Globex", dialects: ["placeos"] }));
  must(registry.create("tenants", { id: "initech", name: "Initech" }));
  const tenant = T;
  const zone = (input: Omit<EntityInputOf["zones"], "tenant">) =>
    must(registry.create("zones", { tenant, ...input }));
  zone({ id: IDS.org, name: "Acme Corp", type: "region", tags: ["org"], description: "The org" });
  zone({ id: IDS.building, name: "HQ", type: "building", parentId: IDS.org });
  zone({ id: IDS.level, name: "Level 2", type: "level", parentId: IDS.building });
  zone({ id: IDS.area, name: "North wing", type: "area", parentId: IDS.level });
  zone({ id: IDS.otherBuilding, name: "Annex", type: "building", parentId: IDS.org });
  must(registry.create("systems", { id: IDS.room, tenant, name: "Room 2.01", zoneIds: [IDS.area] }));
  must(registry.create("systems", { id: IDS.lobby, tenant, name: "Lobby", zoneIds: [IDS.building] }));
  must(
    registry.create("systems", { id: IDS.underscore, tenant, name: "Odd one", zoneIds: [IDS.otherBuilding] }),
  );
  must(registry.create("systems", { id: IDS.orphan, tenant, name: "Nowhere" }));
  must(registry.create("drivers", { id: IDS.vcDriver, tenant, name: "Cisco VC", role: "device" }));
  must(registry.create("drivers", { id: IDS.displayDriver, tenant, name: "Samsung display" }));
  const module = (id: string, name: string, driverId: string, systemId: string) =>
    must(registry.create("modules", { id, tenant, name, driverId, systemId }));
  module(IDS.vc, "VidConf", IDS.vcDriver, IDS.room);
  module(IDS.display1, "Display", IDS.displayDriver, IDS.room);
  module(IDS.display2, "Display", IDS.displayDriver, IDS.room);
  module(IDS.lobbyDisplay, "Display", IDS.displayDriver, IDS.lobby);
  module(IDS.oddModule, "_", IDS.displayDriver, IDS.underscore);
  module(IDS.orphanModule, "Display", IDS.displayDriver, IDS.orphan);
  // globex: an org of its own
  must(
    registry.create("zones", {
      id: IDS.globexOrg,
      tenant: "globex",
      name: "Globex",
      type: "region",
      tags: ["org"],
    }),
  );
  must(
    registry.create("systems", {
      id: IDS.globexSystem,
      tenant: "globex",
      name: "G",
      zoneIds: [IDS.globexOrg],
    }),
  );
  must(registry.create("drivers", { id: "drv-globex", tenant: "globex", name: "Globex display" }));
  must(
    registry.create("modules", {
      id: IDS.globexModule,
      tenant: "globex",
      name: "Display",
      driverId: "drv-globex",
      systemId: IDS.globexSystem,
    }),
  );
}

/** Log lines captured from the broker (pino JSON), for checks of what was logged. */
export class LogCapture {
  readonly lines: Record<string, unknown>[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      for (const line of chunk.toString("utf8").split("\n"))
        if (line.trim() !== "") this.lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });

  /** The lines whose message contains `text`. */
  matching(text: string): Record<string, unknown>[] {
    return this.lines.filter((line) => typeof line["msg"] === "string" && line["msg"].includes(text));
  }
}

export interface PlaceosBroker {
  readonly switchboard: Switchboard;
  readonly registry: Registry;
  readonly dialects: DialectLayer;
  readonly url: string;
  readonly logs: LogCapture;
  /** The Redis input, when the configuration enables it. */
  readonly redis: RedisStateInput | undefined;
  stop(): Promise<void>;
}

export interface PlaceosBrokerOptions {
  /** `dialects.placeos` values merged over the test defaults. */
  readonly placeos?: Readonly<Record<string, unknown>>;
  /** Other configuration sections (merged over the defaults section by section). */
  readonly config?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /**
   * The registry to use (default: a new test world in memory); `"store"`: the one kept in the
   * configured store, given the test world's entities when it has none yet (a restart on SQLite).
   */
  readonly registry?: Registry | "store";
}

export async function startPlaceosBroker(options: PlaceosBrokerOptions = {}): Promise<PlaceosBroker> {
  const values: Record<string, unknown> = {
    listeners: [{ name: "tcp", kind: "tcp", host: "127.0.0.1", port: 0 }],
    sys: { interval: 0 },
    log: { level: "info" },
    storage: { kind: "memory" },
    auth: { backoff: { initialDelay: 0 } },
    dialects: { placeos: { tenants: [T], ...options.placeos } },
  };
  for (const [section, value] of Object.entries(options.config ?? {})) {
    const base = values[section];
    values[section] =
      typeof base === "object" && base !== null && !Array.isArray(base) ? { ...base, ...value } : value;
  }
  const given = options.registry === "store" ? undefined : (options.registry ?? (await createPlaceosWorld()));
  const logs = new LogCapture();
  const switchboard = await startSwitchboard({
    config: loadConfig({ values }),
    logger: pino({ level: "debug" }, logs.stream),
    ...(given === undefined ? {} : { registry: given }),
    authenticators: [placeosUsers()],
  });
  const registry = switchboard.registry;
  if (registry.get("tenants", T) === undefined) {
    fillPlaceosWorld(registry);
    await registry.commit();
  }
  const dialects = switchboard.dialects!;
  // what main.ts is to do once the broker has started (idempotent if it does already)
  await dialects.start({ retained: switchboard.broker.retained });
  const port = switchboard.listeners[0]!.port;
  return {
    switchboard,
    registry,
    dialects,
    url: `mqtt://127.0.0.1:${port}`,
    logs,
    redis: dialects.inputs.find((input) => input.name === "redis") as RedisStateInput | undefined,
    stop: async () => {
      await dialects.stop();
      await switchboard.stop();
    },
  };
}

/** Every message that arrives until none has for `quiet` ms. */
export async function drain(client: TestClient, quiet = 200): Promise<ReceivedMessage[]> {
  const out: ReceivedMessage[] = [];
  for (;;) {
    try {
      out.push(await client.inbox.next(quiet));
    } catch {
      return out;
    }
  }
}

/** Messages as `topic -> payload` (the last one per topic), for whole-set comparisons. */
export function byTopic(messages: readonly ReceivedMessage[]): Record<string, string> {
  return Object.fromEntries(messages.map((m) => [m.topic, m.payload]));
}

/** A state payload, parsed and checked: `time` an integer of unix milliseconds within [from, to]. */
export function stateValue(payload: string, from: number, to: number): unknown {
  const parsed = JSON.parse(payload) as { time: unknown; value: unknown };
  if (Object.keys(parsed).join(",") !== "time,value")
    throw new Error(`a state payload has "time" and "value", in that order: ${payload}`);
  if (typeof parsed.time !== "number" || !Number.isInteger(parsed.time))
    throw new Error(`"time" is an integer: ${payload}`);
  if (parsed.time < from || parsed.time > to)
    throw new Error(`"time" ${parsed.time} is the ingest time in ms, within [${from}, ${to}]`);
  return parsed.value;
}
