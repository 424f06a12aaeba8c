/**
 * Runs the worked example of docs/dialects/gooee.md as it is written there: the blocks marked
 * `<!-- example: <part> -->` are read from the document, the configuration (YAML) starts a broker,
 * the registry requests create the entities, and the shell commands run in bash with the real
 * `mosquitto_sub` and `mosquitto_pub` binaries. Their output must be what the document shows.
 *
 * What the test changes, and only that: `-p 1883` becomes the broker's ephemeral port (the listener
 * binds port 0), the store is in memory and the log silent. The registry requests are applied to the
 * registry directly (the admin API has its own tests), with the same bodies.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import type { Switchboard } from "../../src/main.js";
import {
  bash as runBash,
  exampleBlock as sharedExampleBlock,
  exampleScript,
  startExampleBroker,
  requireMosquittoClients,
} from "./helpers/doc-example.js";

const bash = (script: string, timeout = TIMEOUT) => runBash(script, timeout);

const DOC = new URL("../../docs/dialects/gooee.md", import.meta.url);
const TIMEOUT = 8000;

requireMosquittoClients();

function exampleBlock(doc: string, part: string): string {
  return sharedExampleBlock(doc, part, "docs/dialects/gooee.md");
}

describe("docs/dialects/gooee.md: the worked example, with mosquitto_sub and mosquitto_pub", () => {
  const doc = readFileSync(DOC, "utf8");
  let switchboard: Switchboard;
  let port: number;

  const block = (part: string): string => exampleBlock(doc, part);
  const script = (part: string, exec = false): string => exampleScript(block, "token", part, port, exec);

  before(async () => {
    switchboard = await startExampleBroker(block);
    port = switchboard.listeners[0]!.port;
  });
  after(async () => {
    await switchboard.stop();
  });

  it("the subscriber prints what the document shows, the publisher the rejection", async () => {
    const router = switchboard.broker.router;
    const subscriptions = router.size;
    const subscriber = bash(script("subscribe", true));
    // the example's two filters are in place once the router has them (mosquitto_sub says nothing)
    const deadline = Date.now() + TIMEOUT;
    while (router.size < subscriptions + 2) {
      assert.ok(Date.now() < deadline, "mosquitto_sub did not subscribe");
      assert.equal(subscriber.child.exitCode, null, "mosquitto_sub exited early");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const published = await bash(script("publish")).done;
    assert.equal(published.code, 0, published.stderr);
    assert.equal(published.stdout + published.stderr, exampleBlock(doc, "publish-output"));

    const received = await subscriber.done;
    assert.equal(received.code, 0, received.stderr);
    assert.equal(received.stdout, exampleBlock(doc, "subscriber-output"));
  });

  it("a topic outside the table: the DISCONNECT 0x90 the document shows", async () => {
    const run = await bash(script("outside")).done;
    assert.notEqual(run.code, 0, "mosquitto_pub fails");
    assert.equal(run.stdout + run.stderr, exampleBlock(doc, "outside-output"));
  });

  it("the document's example key is the configured key's", () => {
    const token = /^export GOOEE_TOKEN=(\S+)\n$/.exec(exampleBlock(doc, "token"))?.[1];
    assert.ok(token !== undefined, "the token block exports GOOEE_TOKEN");
    const values = parseYaml(exampleBlock(doc, "config")) as { auth: { apiKeys: { id: string }[] } };
    assert.ok(values.auth.apiKeys.some(({ id }) => token.startsWith(`sbk_${id}_`)));
    assert.match(exampleBlock(doc, "admin-key"), /^export OPS_KEY=sbk_ops_\S+$/m);
  });
});
