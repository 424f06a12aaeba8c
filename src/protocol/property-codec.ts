/**
 * Encoding and decoding of MQTT 5 property sets (spec 2.2.2), driven by the table in `properties.ts`.
 *
 * Decoding rules: an identifier that is unknown, or not allowed in the packet (or in the Will
 * Properties), is a Malformed Packet (spec 2.2.2.2); so is a value that overruns the Property Length.
 * Including a non-repeatable property twice is a Protocol Error: the spec says so property by property
 * ("It is a Protocol Error to include the ... more than once") without a numbered conformance statement.
 * Value rules that are Protocol Errors: Byte flags other than 0 or 1, Maximum QoS other than 0 or 1,
 * Receive Maximum 0, Maximum Packet Size 0, Subscription Identifier 0, and more than one Subscription
 * Identifier in a SUBSCRIBE. Topic Alias 0 decodes: the session answers it with 0x94.
 *
 * User Properties are bounded per property set by `ByteReader.maxUserProperties` (the broker's
 * `mqtt.maxUserProperties`): see `readUserProperty`.
 *
 * A property set with Property Length 0 decodes to `undefined`, so packets without properties carry no
 * properties object at all.
 * @module
 */

import { PacketType, packetTypeName } from "./packet-type.js";
import {
  malformed,
  type ProtocolError,
  protocolViolation,
  userPropertiesExceeded,
} from "./protocol-error.js";
import {
  type Properties,
  type PropertyContext,
  type PropertyDefinition,
  type UserProperty,
  propertyDefinitions,
  PropertyWireType,
  WILL_PROPERTIES,
} from "./properties.js";
import type { ByteReader } from "./byte-reader.js";
import { writeBinary, writeUint16, writeUint32, writeUtf8String } from "./byte-writer.js";
import { utf8Length } from "./utf8.js";
import {
  MAX_VARIABLE_BYTE_INTEGER,
  variableByteIntegerLength,
  writeVariableByteInteger,
} from "./variable-byte-integer.js";

/** Property definitions indexed by identifier (holes for unassigned identifiers). */
const definitionById: readonly (PropertyDefinition | undefined)[] = indexById(propertyDefinitions);

/** The identifier of the User Property (spec 3.3.2.3.7). */
const USER_PROPERTY_ID = 0x26;

/** Property definitions by `Properties` key. */
const definitionByName: Readonly<Partial<Record<string, PropertyDefinition>>> = Object.fromEntries(
  propertyDefinitions.map((definition) => [definition.name, definition]),
);

/** For each identifier, a bit mask of the contexts (1 << PacketType, bit 0 = Will Properties) it may appear in. */
const allowedMaskById: readonly number[] = propertyDefinitions.reduce<number[]>((masks, definition) => {
  masks[definition.id] = definition.allowedIn.reduce<number>((mask, context) => mask | (1 << context), 0);
  return masks;
}, []);

/** Field names for error messages, by identifier, built once so decoding builds no strings. */
const fieldById: readonly string[] = propertyDefinitions.reduce<string[]>((fields, definition) => {
  fields[definition.id] = `property ${describe(definition)}`;
  return fields;
}, []);

function indexById(definitions: readonly PropertyDefinition[]): (PropertyDefinition | undefined)[] {
  const byId: (PropertyDefinition | undefined)[] = [];
  for (const definition of definitions) byId[definition.id] = definition;
  return byId;
}

function contextName(context: PropertyContext): string {
  return context === WILL_PROPERTIES ? "Will Properties" : packetTypeName[context];
}

function describe(definition: PropertyDefinition): string {
  return `"${definition.name}" (0x${definition.id.toString(16).padStart(2, "0")})`;
}

/**
 * Reads a Property Length and the properties after it. Returns `undefined` for an empty set.
 * `context` is the packet type, or `WILL_PROPERTIES`.
 */
export function readProperties(reader: ByteReader, context: PropertyContext): Properties | undefined {
  const length = reader.varint("Property Length");
  if (length === 0) return undefined;
  const end = reader.pos + length;
  if (end > reader.end) {
    throw malformed(
      `Cannot decode properties of ${contextName(context)}: Property Length overruns the packet`,
    );
  }
  const packetEnd = reader.end;
  reader.end = end; // no property value may read past the Property Length
  const properties: Properties = {};
  while (reader.pos < end) {
    readProperty(reader, context, properties);
  }
  reader.end = packetEnd;
  return properties;
}

function readProperty(reader: ByteReader, context: PropertyContext, properties: Properties): void {
  const id = reader.varint("property identifier");
  const definition = definitionById[id];
  if (definition === undefined) {
    throw malformed(
      `Cannot decode properties of ${contextName(context)}: unknown property identifier 0x${id.toString(16)}`,
    );
  }
  if ((allowedMaskById[id]! & (1 << context)) === 0) {
    throw malformed(
      `Cannot decode properties of ${contextName(context)}: property ${describe(definition)} is not allowed there`,
    );
  }
  if (definition.name === "userProperties") {
    readUserProperty(reader, context, properties);
    return;
  }
  const value = readValue(reader, definition, context);
  const target = properties as Record<keyof Properties, unknown>;
  if (definition.name === "subscriptionIdentifiers") {
    const ids = (properties.subscriptionIdentifiers ??= []);
    if (context === PacketType.SUBSCRIBE && ids.length > 0) throw duplicate(definition, context);
    ids.push(value as number);
    return;
  }
  if (target[definition.name] !== undefined) throw duplicate(definition, context);
  target[definition.name] = value;
}

/**
 * Reads one User Property, within `reader.maxUserProperties` per property set: nothing else bounds
 * their number but the packet size, and an empty one (5 bytes on the wire) costs about 70 bytes of heap
 * once decoded, so 2 MB of them would take ~29 MB and block the event loop for half a second. The
 * bound is checked before the pair is decoded, so an oversized set never builds its arrays.
 *
 * Over the bound, a PUBLISH is still decoded, to be refused with a PUBACK/PUBREC (its packet identifier
 * and Topic Alias come with it): it keeps one User Property more than the bound, for its handler to see,
 * and the rest are checked [MQTT-1.5.4-1] and skipped. Any other packet is refused at once (0x97).
 */
function readUserProperty(reader: ByteReader, context: PropertyContext, properties: Properties): void {
  const list = (properties.userProperties ??= []);
  const maximum = reader.maxUserProperties;
  if (list.length >= maximum) {
    if (context !== PacketType.PUBLISH) throw userPropertiesExceeded(contextName(context), maximum);
    if (list.length > maximum) {
      const field = fieldById[USER_PROPERTY_ID]!;
      reader.skipUtf8(field);
      reader.skipUtf8(field);
      return;
    }
  }
  const field = fieldById[USER_PROPERTY_ID]!;
  const name = reader.utf8(field); // both strings must be valid UTF-8 [MQTT-1.5.7-1]
  list.push([name, reader.utf8(field)]);
}

function duplicate(definition: PropertyDefinition, context: PropertyContext): ProtocolError {
  return protocolViolation(
    `Cannot decode properties of ${contextName(context)}: property ${describe(definition)} appears more than once`,
  );
}

function readValue(reader: ByteReader, definition: PropertyDefinition, context: PropertyContext): unknown {
  const field = fieldById[definition.id]!;
  switch (definition.wireType) {
    case PropertyWireType.Byte: {
      const byte = reader.uint8(field);
      if (byte > 1) throw protocolViolation(`Cannot decode ${field}: value ${byte} is not 0 or 1`);
      return definition.name === "maximumQoS" ? byte : byte === 1;
    }
    case PropertyWireType.TwoByteInteger: {
      const value = reader.uint16(field);
      if (value === 0 && definition.name === "receiveMaximum") {
        throw protocolViolation(`Cannot decode ${field}: Receive Maximum must not be 0`);
      }
      return value;
    }
    case PropertyWireType.FourByteInteger: {
      const value = reader.uint32(field);
      if (value === 0 && definition.name === "maximumPacketSize") {
        throw protocolViolation(`Cannot decode ${field}: Maximum Packet Size must not be 0`);
      }
      return value;
    }
    case PropertyWireType.VariableByteInteger: {
      const value = reader.varint(field);
      if (value === 0)
        throw protocolViolation(`Cannot decode ${field}: Subscription Identifier must not be 0`);
      return value;
    }
    case PropertyWireType.Utf8String:
      return reader.utf8(field);
    case PropertyWireType.BinaryData: {
      const bytes = reader.binary(field);
      // CONNECT data (authentication data, will correlation data) lives as long as the session: copy it
      // so it does not pin the transport's chunk. Elsewhere a view is enough.
      return context === PacketType.CONNECT || context === WILL_PROPERTIES ? bytes.slice() : bytes;
    }
    case PropertyWireType.Utf8StringPair:
      // the only pair is the User Property, read by readUserProperty
      throw new TypeError(`Cannot decode ${field}: a string pair is read as a User Property`);
  }
}

/**
 * Byte length of the properties of `properties` as encoded for `context`, without the Property Length
 * field itself. Throws a TypeError/RangeError for a property that is not allowed in `context` or a value
 * out of range (programming errors: encoding must never produce a malformed packet).
 */
export function propertiesLength(properties: Properties | undefined, context: PropertyContext): number {
  if (properties === undefined) return 0;
  let length = 0;
  for (const name in properties) {
    const value = properties[name as keyof Properties];
    if (value === undefined) continue;
    const definition = definitionByName[name];
    if (definition === undefined) throw new TypeError(`Cannot encode property "${name}": unknown property`);
    if ((allowedMaskById[definition.id]! & (1 << context)) === 0) {
      throw new TypeError(
        `Cannot encode property ${describe(definition)}: not allowed in ${contextName(context)}`,
      );
    }
    length += valueLength(definition, value);
  }
  return length;
}

function valueLength(definition: PropertyDefinition, value: Properties[keyof Properties]): number {
  switch (definition.wireType) {
    case PropertyWireType.Byte:
      return 2;
    case PropertyWireType.TwoByteInteger:
      checkRange(definition, value as number, 0xffff);
      return 3;
    case PropertyWireType.FourByteInteger:
      checkRange(definition, value as number, 0xffffffff);
      return 5;
    case PropertyWireType.VariableByteInteger: {
      let length = 0;
      for (const id of value as readonly number[]) {
        checkRange(definition, id, MAX_VARIABLE_BYTE_INTEGER);
        length += 1 + variableByteIntegerLength(id);
      }
      return length;
    }
    case PropertyWireType.Utf8String:
      return 3 + stringLength(definition, value as string);
    case PropertyWireType.BinaryData:
      return 3 + binaryLength(definition, value as Uint8Array);
    case PropertyWireType.Utf8StringPair: {
      let length = 0;
      for (const [name, pairValue] of value as readonly UserProperty[]) {
        length += 5 + stringLength(definition, name) + stringLength(definition, pairValue);
      }
      return length;
    }
  }
}

function checkRange(definition: PropertyDefinition, value: number, maximum: number): void {
  if (!Number.isInteger(value) || value < 0 || value > maximum) {
    throw new RangeError(`Cannot encode property ${describe(definition)}: ${value} is not in 0..${maximum}`);
  }
}

function stringLength(definition: PropertyDefinition, value: string): number {
  const length = utf8Length(value);
  if (length > 0xffff) {
    throw new RangeError(
      `Cannot encode property ${describe(definition)}: string is ${length} bytes, more than 65535`,
    );
  }
  return length;
}

function binaryLength(definition: PropertyDefinition, value: Uint8Array): number {
  if (value.length > 0xffff) {
    throw new RangeError(
      `Cannot encode property ${describe(definition)}: binary data is ${value.length} bytes, more than 65535`,
    );
  }
  return value.length;
}

/** Byte length of a whole property section: Property Length field plus `bodyLength`. */
export function propertySectionLength(bodyLength: number): number {
  return variableByteIntegerLength(bodyLength) + bodyLength;
}

/**
 * Writes the Property Length (`bodyLength`, from `propertiesLength`) and the properties at `pos`;
 * returns the position after them.
 */
export function writeProperties(
  target: Uint8Array,
  pos: number,
  properties: Properties | undefined,
  bodyLength: number,
): number {
  pos = writeVariableByteInteger(target, pos, bodyLength);
  if (properties === undefined || bodyLength === 0) return pos;
  for (const name in properties) {
    const value = properties[name as keyof Properties];
    if (value === undefined) continue;
    pos = writeProperty(target, pos, definitionByName[name]!, value);
  }
  return pos;
}

function writeProperty(
  target: Uint8Array,
  pos: number,
  definition: PropertyDefinition,
  value: NonNullable<Properties[keyof Properties]>,
): number {
  const id = definition.id;
  switch (definition.wireType) {
    case PropertyWireType.Byte:
      target[pos] = id;
      target[pos + 1] = typeof value === "boolean" ? (value ? 1 : 0) : (value as number);
      return pos + 2;
    case PropertyWireType.TwoByteInteger:
      target[pos] = id;
      return writeUint16(target, pos + 1, value as number);
    case PropertyWireType.FourByteInteger:
      target[pos] = id;
      return writeUint32(target, pos + 1, value as number);
    case PropertyWireType.VariableByteInteger:
      for (const subscriptionId of value as readonly number[]) {
        target[pos] = id;
        pos = writeVariableByteInteger(target, pos + 1, subscriptionId);
      }
      return pos;
    case PropertyWireType.Utf8String:
      target[pos] = id;
      return writeUtf8String(target, pos + 1, value as string);
    case PropertyWireType.BinaryData:
      target[pos] = id;
      return writeBinary(target, pos + 1, value as Uint8Array);
    case PropertyWireType.Utf8StringPair:
      for (const [name, pairValue] of value as readonly UserProperty[]) {
        target[pos] = id;
        pos = writeUtf8String(target, pos + 1, name);
        pos = writeUtf8String(target, pos, pairValue);
      }
      return pos;
  }
}
