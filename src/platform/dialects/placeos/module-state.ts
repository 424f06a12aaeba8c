/**
 * Module state as it enters, whichever way: a driver's MQTT publish on the ingest topic, a Redis
 * message on `status/<module_id>/<key>`, or the admin REST API. Each input checks the same things
 * ({@link moduleStateEvent}: the module exists, in the tenant when one is required; the key is a
 * state key), records the value as the module's current state and emits a `state` envelope (source
 * the module, channel the key, data the JSON value) that every dialect of the module's tenant renders:
 * PlaceOS on its retained state topic.
 *
 * The value's JSON text, as the input received it, goes with the value (the envelope's `dataText`, the
 * state's `valueText`): PlaceOS embeds a driver's JSON raw, so the text is what is published and shown,
 * byte for byte (surrounding whitespace included), not the value serialized again. Each input checks
 * the text first: UTF-8 where it reads bytes, well-formed JSON, at most 256 levels deep, finite numbers.
 * @module
 */

import type { Principal } from "../../../hooks/index.js";
import { createEnvelope, type EventEnvelope } from "../../envelope/index.js";
import type { EntityRef } from "../../registry/model.js";
import type { RegistryView, StateWrite } from "../../registry/registry-view.js";
import { hasNoncharacter } from "../../registry/validate-name.js";
import type { DialectLayer } from "../dialect-layer.js";

/** The longest state key, in UTF-16 code units. */
export const MAX_STATE_KEY_LENGTH = 256;

/** Why a module state change is refused: no such module (in the tenant), or not a state key. */
export interface ModuleStateProblem {
  readonly code: "not-found" | "invalid";
  readonly message: string;
}

export type ModuleStateEvent =
  | { readonly ok: true; readonly envelope: EventEnvelope; readonly write: StateWrite }
  | { readonly ok: false; readonly problem: ModuleStateProblem };

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `key` cannot be a state key (1 to 256 characters of well-formed text), or undefined. */
export function stateKeyError(key: string): string | undefined {
  if (key.length === 0) return "a state key must not be empty";
  if (key.length > MAX_STATE_KEY_LENGTH)
    return `a state key must be at most ${MAX_STATE_KEY_LENGTH} characters, not ${key.length}`;
  if (LONE_SURROGATE.test(key)) return "a state key must be well-formed Unicode (it has a lone surrogate)";
  if (hasNoncharacter(key))
    return "a state key must not contain a Unicode noncharacter (U+FDD0 to U+FDEF, U+FFFE, U+FFFF...): it could not be a topic level";
  return undefined;
}

/**
 * The envelope and the state write of a new value for a module's state key, received at `ingestTime`
 * through `via` (the dialect or API: `placeos`, `redis`, `rest`), or why not. With `tenant`, a module of
 * another tenant is refused as unknown.
 */
export function moduleStateEvent(
  registry: RegistryView,
  change: {
    readonly moduleId: string;
    readonly key: string;
    readonly value: unknown;
    /** The JSON text `value` was parsed from, as received (checked: see the module's comment). */
    readonly valueText?: string | undefined;
    readonly tenant?: string | undefined;
    readonly via: string;
  },
  ingestTime: number,
): ModuleStateEvent {
  const { moduleId, key, tenant } = change;
  const module = registry.module(moduleId);
  if (module === undefined || (tenant !== undefined && module.tenant !== tenant))
    return {
      ok: false,
      problem: { code: "not-found", message: `There is no module ${JSON.stringify(moduleId)}` },
    };
  const keyError = stateKeyError(key);
  if (keyError !== undefined) return { ok: false, problem: { code: "invalid", message: keyError } };
  if (change.value === undefined)
    return { ok: false, problem: { code: "invalid", message: "a state value must be a JSON value" } };
  const source: EntityRef = { kind: "modules", id: module.id };
  const { value, valueText } = change;
  const envelope = createEnvelope(
    {
      tenant: module.tenant,
      source,
      channel: key,
      type: "state",
      data: value,
      dataText: valueText,
      dialect: change.via,
    },
    ingestTime,
  );
  const write: StateWrite = {
    tenant: module.tenant,
    entity: source,
    channel: key,
    value,
    valueText,
    time: ingestTime,
    sourceTime: undefined,
  };
  return { ok: true, envelope, write };
}

/** A module state change from outside MQTT. */
export interface ModuleStateRequest {
  readonly moduleId: string;
  readonly key: string;
  /** Any JSON value (already parsed). */
  readonly value: unknown;
  /**
   * The JSON text `value` was parsed from, exactly as received (the REST body, the Redis message), when
   * there is one: PlaceOS publishes it as it is. The caller checked it (well-formed, at most 256 levels,
   * finite numbers) and parsed `value` from it. Without it, `value` is serialized.
   */
  readonly valueText?: string | undefined;
  /** The input: `rest`, `redis`... (the envelope's `dialect`). */
  readonly via: string;
  /**
   * Who asks (the REST API's caller): only modules of the principal's tenant are found, unless
   * `allTenants`. Without a principal (a trusted input such as Redis), any module.
   */
  readonly principal?: Principal;
  /** The principal may act on every tenant (the admin API's administrators of the default tenant). */
  readonly allTenants?: boolean;
}

export type ModuleStateResult =
  | {
      readonly ok: true;
      readonly tenant: string;
      readonly moduleId: string;
      readonly key: string;
      readonly value: unknown;
      /** The JSON text it was given as, when the request had one. */
      readonly valueText: string | undefined;
      /** When it was recorded, milliseconds since the epoch. */
      readonly time: number;
      /** The envelope emitted. */
      readonly envelope: EventEnvelope;
    }
  | { readonly ok: false; readonly problem: ModuleStateProblem };

/**
 * Sets a module's state key and emits the `state` envelope, exactly as a driver's MQTT publish does:
 * what `PUT /api/v1/modules/<id>/state/<key>` (body: the JSON value) and the Redis input call. A
 * `not-found` problem is a 404 (an unknown module, or one of a tenant the principal may not act on),
 * `invalid` a 400 (a bad key, no value).
 *
 * @example
 * ```ts
 * const result = setModuleState(switchboard.dialects, {
 *   moduleId: "mod-display-1",
 *   key: "power",
 *   value: true,
 *   via: "rest",
 *   principal: caller.principal,
 *   allTenants: caller.allTenants,
 * });
 * if (!result.ok) reply.code(result.problem.code === "not-found" ? 404 : 400);
 * ```
 */
export function setModuleState(layer: DialectLayer, request: ModuleStateRequest): ModuleStateResult {
  const { principal } = request;
  const tenant = principal === undefined || request.allTenants === true ? undefined : principal.tenant;
  const event = moduleStateEvent(
    layer.registry,
    {
      moduleId: request.moduleId,
      key: request.key,
      value: request.value,
      valueText: request.valueText,
      tenant,
      via: request.via,
    },
    layer.now(),
  );
  if (!event.ok) return event;
  const { envelope, write } = event;
  layer.registry.setState(write);
  layer.emit(envelope);
  return {
    ok: true,
    tenant: envelope.tenant,
    moduleId: request.moduleId,
    key: request.key,
    value: request.value,
    valueText: request.valueText,
    time: write.time,
    envelope,
  };
}
