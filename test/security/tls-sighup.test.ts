/**
 * The `switchboard` command reloads the certificates of its TLS listeners on SIGHUP, without dropping
 * an established connection.
 * @module
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { fileURLToPath } from "node:url";
import { PacketType } from "../../src/protocol/packet-type.js";
import { RawClient } from "../helpers/raw-client.js";
import { createPki } from "./helpers/pki.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

function openTls(port: number, ca: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: "127.0.0.1", port, ca, servername: "localhost" }, () =>
      resolve(socket),
    );
    socket.once("error", reject);
  });
}

describe("switchboard command and SIGHUP", () => {
  it("swaps the TLS certificate on SIGHUP and keeps the established connection", async () => {
    const pki = createPki();
    const next = pki.issue("server-2", {
      cn: "localhost",
      san: "DNS:localhost,IP:127.0.0.1",
      usage: "serverAuth",
    });
    const certFile = join(pki.dir, "live.pem");
    const keyFile = join(pki.dir, "live.key");
    copyFileSync(pki.server.cert, certFile);
    copyFileSync(pki.server.key, keyFile);
    const listeners = [{ kind: "tls", host: "127.0.0.1", port: 0, tls: { certFile, keyFile } }];
    const child = spawn(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts")], {
      cwd: root,
      env: {
        ...process.env,
        SWITCHBOARD_LISTENERS: JSON.stringify(listeners),
        SWITCHBOARD_STORAGE__KIND: "memory",
        SWITCHBOARD_SYS__INTERVAL: "0",
      },
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    const waitFor = async (msg: string): Promise<Record<string, unknown>> => {
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        for (const line of out.split("\n")) {
          if (!line.startsWith("{")) continue;
          const entry = JSON.parse(line) as Record<string, unknown>;
          if (entry["msg"] === msg) return entry;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`No "${msg}" log line: ${out}`);
    };
    try {
      const port = (await waitFor("Listening for MQTT over TLS"))["port"] as number;
      const ca = pki.read(pki.ca.cert);
      const first = await openTls(port, ca);
      const firstFingerprint = first.getPeerCertificate().fingerprint256;
      const established = RawClient.fromSocket(first);
      assert.equal((await established.connect({ clientId: "survivor" })).reasonCode, 0);

      copyFileSync(next.cert, certFile);
      copyFileSync(next.key, keyFile);
      child.kill("SIGHUP");
      await waitFor("TLS certificate reloaded");

      const second = await openTls(port, ca);
      assert.notEqual(second.getPeerCertificate().fingerprint256, firstFingerprint);
      second.destroy();
      established.send({ type: PacketType.PINGREQ });
      await established.expect(PacketType.PINGRESP);
      established.destroy();

      child.kill("SIGTERM");
      assert.equal(await exited, 0);
    } finally {
      child.kill("SIGKILL");
      pki.remove();
    }
  });
});
