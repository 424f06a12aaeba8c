/**
 * A tenant with two dialects (Gooee from the registry, PlaceOS from the configuration): one dialect's
 * open rows never open another's closed ones. A wildcard filter is granted only when every dialect
 * whose table it can reach grants it, so an org-limited user's `#` (Gooee would allow it) is refused
 * like PlaceOS refuses it; and a principal that logged in on PlaceOS's own endpoint is PlaceOS's client
 * only: Gooee's topics are outside its API.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  createPlaceosWorld,
  IDS,
  must,
  type PlaceosBroker,
  startPlaceosBroker,
  T,
} from "./helpers/placeos-world.js";
import { TestClient } from "./helpers/test-client.js";

describe("a tenant with the Gooee and the PlaceOS dialects", () => {
  let broker: PlaceosBroker;
  const clients: TestClient[] = [];
  before(async () => {
    const registry = await createPlaceosWorld();
    must(registry.update("tenants", T, { dialects: ["gooee"] }));
    must(registry.create("devices", { id: "dev-1", tenant: T, name: "Lamp" }));
    broker = await startPlaceosBroker({ registry });
  });
  after(async () => {
    for (const client of clients) await client.end();
    await broker.stop();
  });

  async function connect(username: string): Promise<TestClient> {
    const client = await TestClient.connect(broker.url, { username });
    clients.push(client);
    return client;
  }

  it("an org-limited user's wildcard that can reach other orgs' PlaceOS state is refused, Gooee's own are not", async () => {
    const user = await connect("org-user");
    for (const filter of ["#", "+/#", "placeos/#"])
      assert.deepEqual(await user.subscribe(filter), { kind: "granted", codes: [0x87] }, filter);
    assert.deepEqual(await user.subscribe(`placeos/${IDS.org}/#`), { kind: "granted", codes: [1] });
    assert.deepEqual(await user.subscribe("devices/+/meta/+"), { kind: "granted", codes: [1] });
    assert.ok(user.connected);
  });

  it("a principal of PlaceOS's own endpoint may neither publish nor subscribe on Gooee's topics", async () => {
    const apiUser = await connect("api-user");
    const answer = await apiUser.publish("devices/dev-1/meta", '[{"name":"temp","value":1}]');
    assert.deepEqual(answer.kind === "acked" ? answer.reasonCode : answer, 0x87);
    assert.deepEqual(
      broker.registry.state({ kind: "devices", id: "dev-1" }),
      [],
      "nothing stored for the device",
    );
    assert.deepEqual(await apiUser.subscribe("devices/+/meta/+"), { kind: "granted", codes: [0x87] });
    assert.deepEqual(await apiUser.subscribe(`placeos/${IDS.org}/#`), { kind: "granted", codes: [1] });
    assert.ok(apiUser.connected, "refused as PlaceOS refuses: the connection stays");
  });
});
