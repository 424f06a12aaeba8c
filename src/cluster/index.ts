/**
 * Cluster bus implementations (see hooks/cluster-bus.ts).
 * @module
 */

export { SingleNodeBus } from "./single-node-bus.js";
