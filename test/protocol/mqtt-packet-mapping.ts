/**
 * Mapping between our packet shapes and mqtt-packet's (the oracle in the differential tests), plus the
 * list of known mqtt-packet divergences from the spec that the tests exclude.
 *
 * Shape differences: mqtt-packet names packets by `cmd`, the packet identifier `messageId`, CONNECT's
 * fields `protocolId`/`clean`/`keepalive`, v3 CONNACK's code `returnCode`, SUBACK/UNSUBACK codes
 * `granted`, subscription options `nl`/`rap`/`rh`; it calls Subscription Identifier
 * `subscriptionIdentifier` (a number, or an array when repeated) and Subscription Identifier Available
 * `subscriptionIdentifiersAvailable`; it keeps User Properties as an object of name to value (or array
 * of values), which loses the order between different names (only the order of values under one name
 * survives). Binary data is a Buffer.
 * @module
 */

import {
  type DisconnectPacket,
  type Packet,
  PacketType,
  type Properties,
  type ProtocolVersion,
  type PubackPacket,
  type PubcompPacket,
  type PubrecPacket,
  type PubrelPacket,
  type SubackPacket,
  type UnsubackPacket,
  type UserProperty,
} from "../../src/protocol/index.js";

type Json = Record<string, unknown>;

const CMD: Record<PacketType, string> = {
  1: "connect",
  2: "connack",
  3: "publish",
  4: "puback",
  5: "pubrec",
  6: "pubrel",
  7: "pubcomp",
  8: "subscribe",
  9: "suback",
  10: "unsubscribe",
  11: "unsuback",
  12: "pingreq",
  13: "pingresp",
  14: "disconnect",
  15: "auth",
};

const TYPE_BY_CMD: Record<string, PacketType> = Object.fromEntries(
  Object.entries(CMD).map(([type, cmd]) => [cmd, Number(type) as PacketType]),
);

function buffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes);
}

function bytes(value: unknown): Uint8Array {
  return new Uint8Array(value as Uint8Array);
}

/** Our properties as mqtt-packet expects them for `generate`. */
export function toMqttProperties(properties: Properties): Json {
  const result: Json = {};
  for (const [name, value] of Object.entries(properties)) {
    if (name === "userProperties") {
      const object: Record<string, string | string[]> = Object.create(null) as Record<
        string,
        string | string[]
      >;
      for (const [key, pairValue] of value as UserProperty[]) {
        const existing = object[key];
        object[key] = existing === undefined ? pairValue : [existing, pairValue].flat();
      }
      result["userProperties"] = object;
    } else if (name === "subscriptionIdentifiers") {
      const ids = value as number[];
      result["subscriptionIdentifier"] = ids.length === 1 ? ids[0] : ids;
    } else if (name === "subscriptionIdentifierAvailable") {
      result["subscriptionIdentifiersAvailable"] = value;
    } else {
      result[name] = value instanceof Uint8Array ? buffer(value) : value;
    }
  }
  return result;
}

/** mqtt-packet's parsed properties in our shape (User Properties grouped by name). */
export function fromMqttProperties(properties: Json | undefined): Properties | undefined {
  if (properties === undefined) return undefined;
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(properties)) {
    if (name === "userProperties") {
      const pairs: UserProperty[] = [];
      for (const [key, values] of Object.entries(value as Record<string, string | string[]>)) {
        for (const pairValue of [values].flat()) pairs.push([key, pairValue]);
      }
      result["userProperties"] = pairs;
    } else if (name === "subscriptionIdentifier") {
      result["subscriptionIdentifiers"] = [value].flat();
    } else if (name === "subscriptionIdentifiersAvailable") {
      result["subscriptionIdentifierAvailable"] = value;
    } else {
      result[name] = value instanceof Uint8Array ? bytes(value) : value;
    }
  }
  return result;
}

/**
 * A comparable form of a packet: User Properties stably sorted by name (mqtt-packet cannot keep the
 * order between different names), everything else as is.
 */
export function normalize(packet: Packet): Packet {
  return JSON.parse(JSON.stringify(packet, replacer), reviver) as Packet;
}

function replacer(this: unknown, key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return { $bytes: Array.from(value) };
  if (key === "userProperties" && Array.isArray(value)) {
    return (value as UserProperty[])
      .map((pair, index) => ({ pair, index }))
      .sort((a, b) => (a.pair[0] < b.pair[0] ? -1 : a.pair[0] > b.pair[0] ? 1 : a.index - b.index))
      .map(({ pair }) => pair);
  }
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (typeof value === "object" && value !== null && "$bytes" in value) {
    return new Uint8Array((value as { $bytes: number[] }).$bytes);
  }
  return value;
}

/**
 * Why mqtt-packet.generate cannot produce `packet`, or undefined when it can. These are mqtt-packet
 * restrictions, not spec rules (or spec rules of another version).
 */
export function generateExclusion(packet: Packet, version: ProtocolVersion): string | undefined {
  if (packet.type !== PacketType.CONNECT) return undefined;
  if (packet.clientId === "" && (version === 3 || !packet.cleanStart)) {
    return "mqtt-packet refuses an empty client id for 3.1, or for 3.1.1+ without clean session";
  }
  if (packet.will?.topic === "") return "mqtt-packet refuses an empty will topic";
  if (packet.password !== undefined && packet.username === undefined) {
    return "mqtt-packet refuses a password without a user name (allowed in 5.0 and by our 3.1 decoder)";
  }
  return undefined;
}

/**
 * Why mqtt-packet's parser cannot parse `packet` faithfully, or undefined when it can.
 */
export function parseExclusion(packet: Packet): string | undefined {
  const lists: (UserProperty[] | undefined)[] = [];
  lists.push((packet as { properties?: Properties }).properties?.userProperties);
  if (packet.type === PacketType.CONNECT) lists.push(packet.will?.properties?.userProperties);
  for (const pairs of lists) {
    const seen = new Map<string, string>();
    for (const [name, value] of pairs ?? []) {
      // parser.js tests `if (result[name][key])` for truthiness: after an empty-string value, a second
      // value under the same name overwrites it instead of making an array.
      if (seen.get(name) === "") return "mqtt-packet drops a repeated user property after an empty value";
      seen.set(name, value);
    }
  }
  return undefined;
}

function withProperties(target: Json, properties: Properties | undefined): Json {
  if (properties !== undefined) target["properties"] = toMqttProperties(properties);
  return target;
}

/** Our packet as an mqtt-packet object for `generate(object, { protocolVersion })`. */
export function toMqttPacket(packet: Packet, version: ProtocolVersion): Json {
  const cmd = CMD[packet.type];
  switch (packet.type) {
    case PacketType.CONNECT: {
      const result: Json = {
        cmd,
        protocolId: packet.protocolName,
        protocolVersion: packet.protocolVersion,
        clientId: packet.clientId,
        clean: packet.cleanStart,
        keepalive: packet.keepAlive,
      };
      if (packet.username !== undefined) result["username"] = packet.username;
      if (packet.password !== undefined) result["password"] = buffer(packet.password);
      if (packet.will) {
        const { topic, payload, qos, retain, properties } = packet.will;
        result["will"] = withProperties({ topic, payload: buffer(payload), qos, retain }, properties);
      }
      return withProperties(result, packet.properties);
    }
    case PacketType.CONNACK:
      return withProperties(
        version === 5
          ? { cmd, sessionPresent: packet.sessionPresent, reasonCode: packet.reasonCode }
          : { cmd, sessionPresent: packet.sessionPresent, returnCode: packet.reasonCode },
        packet.properties,
      );
    case PacketType.PUBLISH: {
      const result: Json = {
        cmd,
        topic: packet.topic,
        payload: buffer(packet.payload),
        qos: packet.qos,
        dup: packet.dup,
        retain: packet.retain,
      };
      if (packet.packetId !== undefined) result["messageId"] = packet.packetId;
      return withProperties(result, packet.properties);
    }
    case PacketType.PUBACK:
    case PacketType.PUBREC:
    case PacketType.PUBREL:
    case PacketType.PUBCOMP: {
      const result: Json = { cmd, messageId: packet.packetId };
      if (packet.reasonCode !== undefined) result["reasonCode"] = packet.reasonCode;
      return withProperties(result, packet.properties);
    }
    case PacketType.SUBSCRIBE:
      return withProperties(
        {
          cmd,
          messageId: packet.packetId,
          subscriptions: packet.subscriptions.map((s) => ({
            topic: s.topicFilter,
            qos: s.qos,
            nl: s.noLocal,
            rap: s.retainAsPublished,
            rh: s.retainHandling,
          })),
        },
        packet.properties,
      );
    case PacketType.SUBACK:
      return withProperties(
        { cmd, messageId: packet.packetId, granted: packet.reasonCodes },
        packet.properties,
      );
    case PacketType.UNSUBSCRIBE:
      return withProperties(
        { cmd, messageId: packet.packetId, unsubscriptions: packet.topicFilters },
        packet.properties,
      );
    case PacketType.UNSUBACK:
      return withProperties(
        { cmd, messageId: packet.packetId, granted: packet.reasonCodes },
        packet.properties,
      );
    case PacketType.PINGREQ:
    case PacketType.PINGRESP:
      return { cmd };
    case PacketType.DISCONNECT:
    case PacketType.AUTH: {
      const result: Json = { cmd };
      if (packet.reasonCode !== undefined) result["reasonCode"] = packet.reasonCode;
      return withProperties(result, packet.properties);
    }
  }
}

function setProperties(target: { properties?: Properties }, properties: unknown): void {
  const converted = fromMqttProperties(properties as Json | undefined);
  if (converted !== undefined) target.properties = converted;
}

/** A packet parsed by mqtt-packet, in our canonical shape for `version`. */
export function fromMqttPacket(parsed: Json, version: ProtocolVersion): Packet {
  const type = TYPE_BY_CMD[parsed["cmd"] as string];
  const v5 = version === 5;
  const messageId = parsed["messageId"] as number;
  switch (type) {
    case PacketType.CONNECT: {
      const level = parsed["protocolVersion"] as ProtocolVersion;
      const packet: Packet = {
        type,
        protocolName: parsed["protocolId"] as string,
        protocolVersion: level,
        clientId: parsed["clientId"] as string,
        cleanStart: parsed["clean"] as boolean,
        keepAlive: parsed["keepalive"] as number,
      };
      setProperties(packet, parsed["properties"]);
      const will = parsed["will"] as Json | undefined;
      if (will) {
        packet.will = {
          topic: will["topic"] as string,
          payload: bytes(will["payload"]),
          qos: will["qos"] as 0 | 1 | 2,
          retain: will["retain"] as boolean,
        };
        setProperties(packet.will, will["properties"]);
      }
      if (parsed["username"] !== undefined) packet.username = parsed["username"] as string;
      if (parsed["password"] !== undefined) packet.password = bytes(parsed["password"]);
      return packet;
    }
    case PacketType.CONNACK: {
      const packet: Packet = {
        type,
        sessionPresent: parsed["sessionPresent"] as boolean,
        reasonCode: (v5 ? parsed["reasonCode"] : parsed["returnCode"]) as number,
      };
      setProperties(packet, parsed["properties"]);
      return packet;
    }
    case PacketType.PUBLISH: {
      const packet: Packet = {
        type,
        topic: parsed["topic"] as string,
        payload: bytes(parsed["payload"]),
        qos: parsed["qos"] as 0 | 1 | 2,
        retain: parsed["retain"] as boolean,
        dup: parsed["dup"] as boolean,
      };
      if (packet.qos > 0) packet.packetId = messageId;
      setProperties(packet, parsed["properties"]);
      return packet;
    }
    case PacketType.PUBACK:
    case PacketType.PUBREC:
    case PacketType.PUBREL:
    case PacketType.PUBCOMP: {
      const packet: PubackPacket | PubrecPacket | PubrelPacket | PubcompPacket = {
        type,
        packetId: messageId,
      };
      if (v5) packet.reasonCode = parsed["reasonCode"] as number;
      setProperties(packet, parsed["properties"]);
      return packet;
    }
    case PacketType.SUBSCRIBE: {
      const subscriptions = parsed["subscriptions"] as Json[];
      const packet: Packet = {
        type,
        packetId: messageId,
        subscriptions: subscriptions.map((s) => ({
          topicFilter: s["topic"] as string,
          qos: s["qos"] as 0 | 1 | 2,
          noLocal: v5 ? (s["nl"] as boolean) : false,
          retainAsPublished: v5 ? (s["rap"] as boolean) : false,
          retainHandling: v5 ? (s["rh"] as 0 | 1 | 2) : 0,
        })),
      };
      setProperties(packet, parsed["properties"]);
      return packet;
    }
    case PacketType.SUBACK:
    case PacketType.UNSUBACK: {
      const packet: SubackPacket | UnsubackPacket = {
        type,
        packetId: messageId,
        reasonCodes: v5 || type === PacketType.SUBACK ? [...(parsed["granted"] as number[])] : [],
      };
      setProperties(packet, parsed["properties"]);
      return packet;
    }
    case PacketType.UNSUBSCRIBE: {
      const packet: Packet = {
        type,
        packetId: messageId,
        topicFilters: [...(parsed["unsubscriptions"] as string[])],
      };
      setProperties(packet, parsed["properties"]);
      return packet;
    }
    case PacketType.PINGREQ:
    case PacketType.PINGRESP:
      return { type };
    case PacketType.DISCONNECT: {
      const packet: DisconnectPacket = { type };
      if (v5) packet.reasonCode = parsed["reasonCode"] as number;
      setProperties(packet, parsed["properties"]);
      return packet;
    }
    case PacketType.AUTH: {
      const packet: Packet = { type, reasonCode: parsed["reasonCode"] as number };
      setProperties(packet, parsed["properties"]);
      return packet;
    }
    default:
      throw new Error(`Cannot map mqtt-packet packet: unknown cmd ${String(parsed["cmd"])}`);
  }
}
