/**
 * Runs the worked example of docs/dialects/placeos.md as it is written there: the blocks marked
 * `<!-- example: <part> -->` are read from the document, the configuration (YAML) starts a broker, the
 * registry requests create the entities, and the shell commands run in bash with the real
 * `mosquitto_sub` and `mosquitto_pub` binaries. Their output must be what the document shows.
 *
 * What the test changes, and only that: `-p 1883` becomes the broker's ephemeral port, the store is in
 * memory and the log silent, the registry requests are applied to the registry directly (the admin
 * API has its own tests), and the `time` values are compared as 13-digit Unix milliseconds (they are
 * the moment the test runs), each one later than or equal to the previous. The dialect layer is
 * started as main.ts is to start it.
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

const DOC = new URL("../../docs/dialects/placeos.md", import.meta.url);
const TIMEOUT = 8000;
const TIME = /"time":(\d+)/g;

requireMosquittoClients();

function exampleBlock(doc: string, part: string): string {
  return sharedExampleBlock(doc, part, "docs/dialects/placeos.md");
}

/** `text` with its `time` values replaced, after checking they are Unix ms and do not go backwards. */
function withoutTimes(text: string, now: number): string {
  let previous = 0;
  for (const [, digits] of text.matchAll(TIME)) {
    const time = Number(digits);
    assert.equal(digits!.length, 13, `milliseconds: ${digits!}`);
    assert.ok(time >= previous && time <= now, `${time} is an ingest time, in order`);
    previous = time;
  }
  return text.replace(TIME, '"time":<ms>');
}

describe("docs/dialects/placeos.md: the worked example, with mosquitto_sub and mosquitto_pub", () => {
  const doc = readFileSync(DOC, "utf8");
  let switchboard: Switchboard;
  let port: number;

  const block = (part: string): string => exampleBlock(doc, part);
  const script = (part: string, exec = false): string => exampleScript(block, "keys", part, port, exec);

  before(async () => {
    switchboard = await startExampleBroker(block);
    await switchboard.dialects!.start({ retained: switchboard.broker.retained });
    port = switchboard.listeners[0]!.port;
  });
  after(async () => {
    await switchboard.dialects!.stop();
    await switchboard.stop();
  });

  it("the subscriber prints the three state messages the document shows", async () => {
    const router = switchboard.broker.router;
    const subscriptions = router.size;
    const subscriber = bash(script("subscribe", true));
    const deadline = Date.now() + TIMEOUT;
    while (router.size < subscriptions + 1) {
      assert.ok(Date.now() < deadline, "mosquitto_sub did not subscribe");
      assert.equal(subscriber.child.exitCode, null, "mosquitto_sub exited early");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const published = await bash(script("publish")).done;
    assert.equal(published.code, 0, published.stderr);
    assert.equal(published.stdout + published.stderr, "");
    const received = await subscriber.done;
    assert.equal(received.code, 0, received.stderr);
    assert.equal(
      withoutTimes(received.stdout, Date.now()),
      withoutTimes(exampleBlock(doc, "subscriber-output"), Infinity),
    );
  });

  it("the reader's publish is refused with Not authorized", async () => {
    const run = await bash(script("refused")).done;
    assert.equal(run.stdout + run.stderr, exampleBlock(doc, "refused-output"));
  });

  it("a late subscriber gets the retained state and metadata", async () => {
    const run = await bash(script("late")).done;
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      withoutTimes(run.stdout, Date.now()),
      withoutTimes(exampleBlock(doc, "late-output"), Infinity),
    );
  });

  it("the document's example keys are the configured keys'", () => {
    const keys = exampleBlock(doc, "keys") + exampleBlock(doc, "admin-key");
    const values = parseYaml(exampleBlock(doc, "config")) as { auth: { apiKeys: { id: string }[] } };
    for (const { id } of values.auth.apiKeys) assert.match(keys, new RegExp(`=sbk_${id}_\\S+\\n`));
  });
});
