/**
 * CONNECT (spec 3.1). Decoding reads the protocol level from the packet itself (whatever the reader's
 * version), and encoding writes the packet's own `protocolName` and `protocolVersion`.
 * @module
 */

import type { ByteReader } from "../byte-reader.js";
import {
  checkedBinaryLength,
  checkedStringLength,
  checkUint16,
  writeBinary,
  writeUint16,
  writeUtf8String,
} from "../byte-writer.js";
import { startFrame } from "../fixed-header.js";
import { PacketType, type ProtocolVersion, type QoS } from "../packet-type.js";
import { type Properties, WILL_PROPERTIES } from "../properties.js";
import {
  propertiesLength,
  propertySectionLength,
  readProperties,
  writeProperties,
} from "../property-codec.js";
import {
  malformed,
  ProtocolError,
  protocolViolation,
  unsupportedProtocolVersion,
} from "../protocol-error.js";

/** The Will Message carried in a CONNECT packet (spec 3.1.3.2 - 3.1.3.4). */
export interface Will {
  topic: string;
  payload: Uint8Array;
  qos: QoS;
  retain: boolean;
  /** v5 Will Properties. */
  properties?: Properties;
}

/** CONNECT (spec 3.1). */
export interface ConnectPacket {
  readonly type: typeof PacketType.CONNECT;
  /** "MQTT" for 3.1.1 and 5.0, "MQIsdp" for 3.1. */
  protocolName: string;
  protocolVersion: ProtocolVersion;
  /** May be empty; the server may then assign one. */
  clientId: string;
  /** "Clean Session" in v3. */
  cleanStart: boolean;
  /** Seconds; 0 disables keep-alive. */
  keepAlive: number;
  username?: string;
  password?: Uint8Array;
  will?: Will;
  properties?: Properties;
}

const USERNAME_FLAG = 0x80;
const PASSWORD_FLAG = 0x40;
const WILL_RETAIN_FLAG = 0x20;
const WILL_QOS_MASK = 0x18;
const WILL_FLAG = 0x04;
const CLEAN_START_FLAG = 0x02;
const RESERVED_FLAG = 0x01;

/** Encodes a CONNECT at its own protocol level. */
export function encodeConnect(packet: ConnectPacket): Uint8Array {
  const version = packet.protocolVersion;
  const { will, username, password } = packet;
  let remainingLength = 2 + checkedStringLength("CONNECT protocol name", packet.protocolName) + 4;
  const propsLength = version === 5 ? propertiesLength(packet.properties, PacketType.CONNECT) : 0;
  if (version === 5) remainingLength += propertySectionLength(propsLength);
  remainingLength += 2 + checkedStringLength("CONNECT client identifier", packet.clientId);
  const willPropsLength = will && version === 5 ? propertiesLength(will.properties, WILL_PROPERTIES) : 0;
  if (will) {
    if (version === 5) remainingLength += propertySectionLength(willPropsLength);
    remainingLength += 2 + checkedStringLength("CONNECT will topic", will.topic);
    remainingLength += 2 + checkedBinaryLength("CONNECT will payload", will.payload);
  }
  if (username !== undefined) remainingLength += 2 + checkedStringLength("CONNECT user name", username);
  if (password !== undefined) remainingLength += 2 + checkedBinaryLength("CONNECT password", password);

  const frame = startFrame(PacketType.CONNECT << 4, remainingLength);
  let pos = writeUtf8String(frame, frame.length - remainingLength, packet.protocolName);
  frame[pos++] = version;
  frame[pos++] = connectFlags(packet);
  pos = writeUint16(frame, pos, checkUint16("CONNECT keep alive", packet.keepAlive));
  if (version === 5) pos = writeProperties(frame, pos, packet.properties, propsLength);
  pos = writeUtf8String(frame, pos, packet.clientId);
  if (will) {
    if (version === 5) pos = writeProperties(frame, pos, will.properties, willPropsLength);
    pos = writeUtf8String(frame, pos, will.topic);
    pos = writeBinary(frame, pos, will.payload);
  }
  if (username !== undefined) pos = writeUtf8String(frame, pos, username);
  if (password !== undefined) writeBinary(frame, pos, password);
  return frame;
}

function connectFlags(packet: ConnectPacket): number {
  let flags = packet.cleanStart ? CLEAN_START_FLAG : 0;
  if (packet.username !== undefined) flags |= USERNAME_FLAG;
  if (packet.password !== undefined) flags |= PASSWORD_FLAG;
  const will = packet.will;
  if (will) {
    flags |= WILL_FLAG | (will.qos << 3);
    if (will.retain) flags |= WILL_RETAIN_FLAG;
  }
  return flags;
}

/**
 * Decodes a CONNECT body. An unknown protocol name is a Protocol Error [MQTT-3.1.2-1]; a known name with
 * a level this broker does not speak ("MQTT" other than 4 or 5, "MQIsdp" other than 3) is
 * UnsupportedProtocolVersion (0x84) [MQTT-3.1.2-2]. Every error raised after the level byte carries it
 * in `protocolVersion`.
 */
export function decodeConnect(reader: ByteReader): ConnectPacket {
  const protocolName = reader.utf8("CONNECT protocol name");
  if (protocolName !== "MQTT" && protocolName !== "MQIsdp") {
    throw protocolViolation(`Cannot accept CONNECT: unknown protocol name "${protocolName}"`, "MQTT-3.1.2-1");
  }
  const level = reader.uint8("CONNECT protocol level");
  if (protocolName === "MQTT" ? level !== 4 && level !== 5 : level !== 3) {
    throw unsupportedProtocolVersion(protocolName, level);
  }
  const version = level as ProtocolVersion;
  try {
    return decodeConnectAfterLevel(reader, protocolName, version);
  } catch (error) {
    if (error instanceof ProtocolError) error.protocolVersion ??= version;
    throw error;
  }
}

function decodeConnectAfterLevel(
  reader: ByteReader,
  protocolName: string,
  version: ProtocolVersion,
): ConnectPacket {
  const flags = reader.uint8("CONNECT flags");
  checkConnectFlags(flags, version);
  const keepAlive = reader.uint16("CONNECT keep alive");
  const properties = version === 5 ? readProperties(reader, PacketType.CONNECT) : undefined;
  if (properties?.authenticationData !== undefined && properties.authenticationMethod === undefined) {
    throw protocolViolation("Cannot accept CONNECT: Authentication Data without Authentication Method");
  }
  const packet: ConnectPacket = {
    type: PacketType.CONNECT,
    protocolName,
    protocolVersion: version,
    clientId: reader.utf8("CONNECT client identifier"),
    cleanStart: (flags & CLEAN_START_FLAG) !== 0,
    keepAlive,
  };
  if (properties) packet.properties = properties;
  if (flags & WILL_FLAG) packet.will = decodeWill(reader, flags, version);
  if (flags & USERNAME_FLAG) packet.username = reader.utf8("CONNECT user name");
  // Copied, not viewed: credentials must not pin the transport's chunk for the life of the session.
  if (flags & PASSWORD_FLAG) packet.password = reader.binary("CONNECT password").slice();
  reader.expectEnd("CONNECT");
  return packet;
}

function checkConnectFlags(flags: number, version: ProtocolVersion): void {
  const v5 = version === 5;
  if (flags & RESERVED_FLAG) {
    throw malformed("Cannot accept CONNECT: the reserved connect flag is set", "MQTT-3.1.2-3");
  }
  const willQoS = (flags & WILL_QOS_MASK) >> 3;
  if ((flags & WILL_FLAG) === 0) {
    if (willQoS !== 0) {
      throw malformed(
        "Cannot accept CONNECT: Will QoS is set without the Will Flag",
        v5 ? "MQTT-3.1.2-11" : "MQTT-3.1.2-13",
      );
    }
    if (flags & WILL_RETAIN_FLAG) {
      throw malformed(
        "Cannot accept CONNECT: Will Retain is set without the Will Flag",
        v5 ? "MQTT-3.1.2-13" : "MQTT-3.1.2-15",
      );
    }
  } else if (willQoS === 3) {
    throw malformed("Cannot accept CONNECT: Will QoS is 3", v5 ? "MQTT-3.1.2-12" : "MQTT-3.1.2-14");
  }
  // 3.1.1 forbids a password without a user name; 5.0 allows it; 3.1 is lenient here like Mosquitto.
  if (version === 4 && flags & PASSWORD_FLAG && (flags & USERNAME_FLAG) === 0) {
    throw protocolViolation(
      "Cannot accept CONNECT: the Password Flag is set without the User Name Flag",
      "MQTT-3.1.2-22",
    );
  }
}

function decodeWill(reader: ByteReader, flags: number, version: ProtocolVersion): Will {
  const properties = version === 5 ? readProperties(reader, WILL_PROPERTIES) : undefined;
  const will: Will = {
    topic: reader.utf8("CONNECT will topic"),
    // Copied: the will outlives the frame it came in.
    payload: reader.binary("CONNECT will payload").slice(),
    qos: ((flags & WILL_QOS_MASK) >> 3) as QoS,
    retain: (flags & WILL_RETAIN_FLAG) !== 0,
  };
  if (properties) will.properties = properties;
  return will;
}
