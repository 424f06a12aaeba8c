/**
 * The `dialects` configuration section: which tenants have which platform dialect (docs/dialects/).
 * A tenant may also have dialects enabled in the registry (`Tenant.dialects`); the two add up.
 * @module
 */

import { type JsonSchema, type PropertiesOf, section } from "../schema-support.js";
import { NAME_PATTERN } from "./principal-mapping.js";

export interface DialectTenantsConfig {
  /** The tenants that have the dialect. */
  readonly tenants: readonly string[];
}

export interface DialectsConfig {
  readonly gooee: DialectTenantsConfig;
}

function tenantsSchema(dialect: string): JsonSchema {
  return {
    type: "array",
    default: [],
    description: `The tenants that have the ${dialect} dialect: their clients use its topics, payloads and errors (the default tenant is \`default\`).`,
    items: { type: "string", pattern: NAME_PATTERN, description: "A tenant id." },
  };
}

export const dialectsProperties: PropertiesOf<DialectsConfig> = {
  gooee: section("The Gooee device API (see docs/dialects/gooee.md).", {
    tenants: tenantsSchema("Gooee"),
  } satisfies PropertiesOf<DialectTenantsConfig>),
};
