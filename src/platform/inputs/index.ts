/**
 * Inputs: sources of platform events outside MQTT that the dialect layer starts and stops (the Redis
 * input of PlaceOS module state).
 * @module
 */

export {
  type RedisInputCounts,
  RedisStateInput,
  type RedisStateInputOptions,
  type StatusSinkResult,
} from "./redis-state-input.js";
export { parseStatusChannel, parseStatusValue, patternPrefix, type StatusUpdate } from "./status-channel.js";
