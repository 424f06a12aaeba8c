/**
 * The dialect framework: topic tables with permissions and refusals, inbound handlers turning
 * publishes into envelopes, rendering of envelopes onto each dialect's topics, and the hooks that plug
 * it all into the broker (docs/dialects/README.md).
 * @module
 */

export type {
  Dialect,
  DialectContext,
  DialectInput,
  DialectRefusals,
  DialectRuntime,
  DialectTopic,
  InboundPublish,
  IngestAccepted,
  IngestHandler,
  IngestOutcome,
  IngestRejected,
  Permission,
  Rendered,
} from "./dialect.js";
export { DialectAuthorizer } from "./dialect-authorizer.js";
export {
  type CompiledDialect,
  DialectLayer,
  type DialectLayerOptions,
  type RetainedReader,
  type TenantDialects,
} from "./dialect-layer.js";
export { DialectStage } from "./dialect-stage.js";
export { createDialectLayer, createDialects } from "./create-dialect-layer.js";
export { EMPTY_REGISTRY } from "./empty-registry.js";
export { type RegistryFeed, registryFeed } from "./registry-feed.js";
export { type ModuleStateRequest, type ModuleStateResult, setModuleState } from "./placeos/index.js";
export { type TopicParams, TopicPattern, topicLevelError } from "./topic-pattern.js";
export { permits, type TableMatch, type TableRow, TopicTable } from "./topic-table.js";
