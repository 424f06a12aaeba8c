/**
 * Shared pieces of the configuration schema: the JSON Schema subset, helpers and common bounds. Each
 * configuration section lives in `sections/<name>.ts` with its TypeScript type and its schema.
 * @module
 */

/** The subset of draft-07 JSON Schema the configuration schema uses. */
export type JsonSchema = {
  readonly $schema?: string;
  readonly $id?: string;
  readonly title?: string;
  readonly description?: string;
  readonly type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  readonly default?: unknown;
  /** Annotation (not validated): how a default that is computed after validation is chosen. */
  readonly "x-default"?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
  readonly items?: JsonSchema;
  readonly minItems?: number;
  readonly uniqueItems?: boolean;
  readonly enum?: readonly (string | number)[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
};

/** The annotation keywords the schema uses beyond draft-07; register them with ajv. */
export const annotationKeywords = ["x-default"] as const;

/** One schema per key of `T`, no more and no fewer: keeps the schema in step with `config.ts`. */
export type PropertiesOf<T> = { readonly [K in keyof T]-?: JsonSchema };

/** The values of a string union, checked for completeness by `Record<T, 0>`. */
export function valuesOf<T extends string>(table: Record<T, 0>): readonly T[] {
  return Object.keys(table) as T[];
}

/** The largest value of a 16-bit MQTT field (Receive Maximum, Topic Alias Maximum, Keep Alive). */
export const UINT16_MAX = 65_535;
/** The largest packet MQTT can frame: a Remaining Length of 268,435,455 bytes. */
export const MQTT_PACKET_MAX = 268_435_455;
export const UINT32_MAX = 4_294_967_295;
export const INT32_MAX = 2_147_483_647;
export const MIB = 1_048_576;

export const portSchema: JsonSchema = {
  type: "integer",
  minimum: 0,
  maximum: UINT16_MAX,
  description: "TCP port to listen on. 0 picks a free port (for tests).",
};

/** An object section of the configuration: no unknown keys, every key defaulted. */
export function section(description: string, properties: Readonly<Record<string, JsonSchema>>): JsonSchema {
  return { type: "object", description, additionalProperties: false, default: {}, properties };
}
