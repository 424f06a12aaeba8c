/**
 * AUTH (spec 3.15) and the packets of a connection whose CONNECT is still being authenticated.
 *
 * - A client that chose no Authentication Method at CONNECT must not send AUTH: Protocol Error
 *   [MQTT-4.12.0-7]. Every AUTH must carry the method of CONNECT [MQTT-4.12.0-5] [MQTT-4.12.1-1].
 * - AUTH 0x18 answers the broker's AUTH 0x18 [MQTT-4.12.0-3]: it goes to the authenticator that took
 *   the exchange (`AuthenticationChain.continue`). Without an exchange in progress it is a Protocol
 *   Error.
 * - AUTH 0x19 after CONNACK starts a re-authentication [MQTT-4.12.1-1]: the chain runs again for the
 *   method with `attempt.current` set. Success: the connection's principal is replaced (same id and
 *   tenant required; roles, scopes and expiry may change, and the credential deadline moves) and the
 *   broker answers AUTH 0x00. Failure: DISCONNECT (0x87 unless the authenticator's code is a valid
 *   DISCONNECT reason) and close [MQTT-4.12.1-2]. Other packets keep flowing around the exchange, in
 *   order.
 * - AUTH 0x00 is the server's to send: Protocol Error.
 * - Until CONNACK, a client that chose a method may send only AUTH and DISCONNECT [MQTT-3.1.2-30].
 * @module
 */

import type { ChainResult, ConnectAttempt } from "../hooks/index.js";
import {
  type AuthPacket,
  type Packet,
  PacketType,
  packetTypeName,
  protocolViolation,
  ReasonCode,
} from "../protocol/index.js";
import type { ConnectionAuthState } from "./authentication.js";
import type { Connection } from "./connection.js";
import { authProperties, settleConnectAuthentication } from "./handle-connect.js";

/** A packet while CONNECT waits for an enhanced-authentication exchange (state `connecting`). */
export function handlePacketWhileAuthenticating(conn: Connection, packet: Packet): Promise<void> | undefined {
  switch (packet.type) {
    case PacketType.AUTH:
      return handleAuth(conn, packet);
    case PacketType.DISCONNECT:
      conn.log.debug("Client gave up authenticating");
      conn.end();
      return undefined;
    case PacketType.CONNECT:
      throw protocolViolation("A second CONNECT packet is a protocol violation", "MQTT-3.1.0-2");
    default:
      throw protocolViolation(
        `${packetTypeName[packet.type]} before CONNACK: only AUTH and DISCONNECT may be sent during authentication`,
        "MQTT-3.1.2-30",
      );
  }
}

export function handleAuth(conn: Connection, packet: AuthPacket): Promise<void> | undefined {
  if (conn.version !== 5) throw protocolViolation("AUTH exists only in MQTT 5");
  const state = conn.broker.authentication.stateOf(conn);
  if (state === undefined) {
    throw protocolViolation(
      `AUTH (reason ${packet.reasonCode}) without an authentication method in CONNECT`,
      "MQTT-4.12.0-7",
    );
  }
  const method = packet.properties?.authenticationMethod;
  if (method !== state.method) {
    throw protocolViolation(
      `AUTH with authentication method ${method === undefined ? "missing" : `"${method}"`}, not "${state.method}" as in CONNECT`,
      packet.reasonCode === ReasonCode.ReAuthenticate ? "MQTT-4.12.1-1" : "MQTT-4.12.0-5",
    );
  }
  const data = packet.properties?.authenticationData;
  switch (packet.reasonCode) {
    case ReasonCode.ContinueAuthentication:
      if (state.exchange === undefined)
        throw protocolViolation("AUTH 0x18 without an authentication exchange in progress", "MQTT-4.12.0-3");
      return continueExchange(conn, state, data);
    case ReasonCode.ReAuthenticate:
      if (conn.state !== "connected" || state.exchange !== undefined)
        throw protocolViolation("AUTH 0x19 before CONNACK or during an exchange", "MQTT-4.12.1-1");
      return reauthenticate(conn, state, data);
    default:
      throw protocolViolation(
        `A client must not send AUTH with reason 0x${packet.reasonCode.toString(16)}`,
        "spec 3.15.2.1",
      );
  }
}

async function continueExchange(
  conn: Connection,
  state: ConnectionAuthState,
  data: Uint8Array | undefined,
): Promise<void> {
  const exchange = state.exchange!;
  state.exchange = undefined;
  const result = await conn.broker.hooks.authentication.continue(exchange, data);
  if (!conn.isOpen) return;
  if (state.pending !== undefined) await settleConnectAuthentication(conn, state.pending, result);
  else settleReauthentication(conn, state, result);
}

async function reauthenticate(
  conn: Connection,
  state: ConnectionAuthState,
  data: Uint8Array | undefined,
): Promise<void> {
  const attempt: ConnectAttempt = {
    ...state.attempt,
    authenticationData: data,
    current: conn.identity!.principal,
  };
  const result = await conn.broker.hooks.authenticate(attempt);
  if (!conn.isOpen) return;
  settleReauthentication(conn, state, result);
}

function settleReauthentication(conn: Connection, state: ConnectionAuthState, result: ChainResult): void {
  const authentication = conn.broker.authentication;
  switch (result.kind) {
    case "continue":
      state.exchange = result.exchange;
      conn.send({
        type: PacketType.AUTH,
        reasonCode: ReasonCode.ContinueAuthentication,
        properties: authProperties(state.method, result.data),
      });
      return;
    case "deny":
      authentication.reauthenticationFailed(conn, result.reasonCode, result.reason); // [MQTT-4.12.1-2]
      return;
    case "allow": {
      const identity = conn.identity!;
      const { principal } = result;
      if (principal.id !== identity.principal.id || principal.tenant !== identity.principal.tenant) {
        authentication.reauthenticationFailed(
          conn,
          ReasonCode.NotAuthorized,
          "Re-authentication must keep the principal and its tenant",
        );
        return;
      }
      if (principal.expiresAt !== undefined && principal.expiresAt <= conn.broker.now()) {
        authentication.reauthenticationFailed(conn, ReasonCode.NotAuthorized, "Credential expired");
        return;
      }
      // a new identity object: authorizers that cache per identity see the change
      conn.identity = { ...identity, principal };
      authentication.armDeadline(conn, principal);
      authentication.reauthenticated(conn, principal);
      conn.send({
        type: PacketType.AUTH,
        reasonCode: ReasonCode.Success,
        properties: authProperties(state.method, result.data), // [MQTT-4.12.0-5]
      });
      return;
    }
  }
}
