/**
 * Input while handling waits: a connection whose handling is paused (here CONNECT waiting for an
 * authenticator) keeps a bounded amount of unread input and leaves the rest to TCP, instead of reading
 * whatever the client sends into memory before it is even authenticated.
 * @module
 */

import assert from "node:assert/strict";
import { connect as tcpConnect } from "node:net";
import { after, before, describe, it } from "node:test";
import type { Authenticator } from "../../src/hooks/authenticator.js";
import { encodePacket } from "../../src/protocol/encode-packet.js";
import { PacketType } from "../../src/protocol/packet-type.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";

/** An authenticator that answers only when the test says so. */
function heldAuthenticator(): { authenticator: Authenticator; release: () => void; asked: Promise<void> } {
  let release = (): void => undefined;
  let asked = (): void => undefined;
  const answer = new Promise<void>((resolve) => (release = resolve));
  const wasAsked = new Promise<void>((resolve) => (asked = resolve));
  return {
    authenticator: {
      name: "held",
      authenticate: async () => {
        asked();
        await answer;
        return { kind: "deny", reasonCode: 0x87, reason: "Not authorized" };
      },
    },
    release: () => release(),
    asked: wasAsked,
  };
}

describe("input while a connection's handling waits", () => {
  const held = heldAuthenticator();
  let broker: TestBroker;
  before(async () => {
    broker = await startTestBroker({ authenticators: [held.authenticator] });
  });
  after(() => broker.stop());

  it("a client sending 16 MiB after its CONNECT has at most a few hundred KiB read while authentication waits", async () => {
    const socket = tcpConnect({ port: broker.port, host: "127.0.0.1" });
    socket.on("error", () => undefined);
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(
      encodePacket(
        {
          type: PacketType.CONNECT,
          protocolName: "MQTT",
          protocolVersion: 5,
          clientId: "flood",
          cleanStart: true,
          keepAlive: 0,
        },
        5,
      ),
    );
    await held.asked;
    const junk = new Uint8Array(64 * 1024).fill(0x30); // read as PUBLISH headers once handling goes on
    for (let i = 0; i < 256; i++) socket.write(junk);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const [conn] = [...broker.broker.connections];
    assert.ok(conn !== undefined, "the connection is still open");
    const buffered = conn.reader.bufferedBytes;
    assert.ok(buffered < 512 * 1024, `the broker holds ${buffered} bytes of unread input`);
    held.release();
    await new Promise((resolve) => socket.once("close", resolve));
  });
});
