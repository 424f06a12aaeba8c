/**
 * The routes over the broker's live state: connected clients (list, disconnect with v5 reason 0x98
 * Administrative action), sessions (list, delete) and retained messages (list by topic filter, delete).
 *
 * Client ids and topics are shown as their clients see them, with the tenant beside them: a tenant's
 * session keys and topics live under its mount (`$t/<tenant>/...`, see tenancy/tenant-mount.ts), which
 * the API adds and removes. A client, session or retained message is named by its client id or topic
 * and the `tenant` query parameter (default: the caller's tenant); one of a tenant the caller does not
 * administer is not found.
 * @module
 */

import type { Broker, Connection } from "../broker/index.js";
import { DEFAULT_TENANT } from "../hooks/index.js";
import { TENANT_ID_PATTERN } from "../platform/registry/index.js";
import { ReasonCode, topicFilterError, topicNameError } from "../protocol/index.js";
import type { ApplicationMessage, Session } from "../session/index.js";
import { isMountNamespace, MOUNT_ROOT, mountOf, prefixFor, unmountTopic } from "../tenancy/index.js";
import { type AdminCaller, administers, listTenant } from "./admin-caller.js";
import type { AdminCall, AdminRoute } from "./admin-route.js";
import { ApiError, committed } from "./api-error.js";
import {
  boolean,
  idSchema,
  integer,
  object,
  page,
  paginate,
  paginationQuery,
  type Schema,
  string,
} from "./schema-parts.js";

const tenantQuery = idSchema(
  TENANT_ID_PATTERN,
  "The tenant (default: the caller's; an administrator of the default tenant may name any).",
);
const clientIdParams = object(
  {
    clientId: string("The client identifier, as the client sent it (URL-encoded).", {
      minLength: 1,
      maxLength: 65535,
    }),
  },
  ["clientId"],
);
const clientId = string("The client identifier, as the client sent it.");
const tenant = string("The client's tenant.");
const protocolVersion = integer("The MQTT protocol level: 3 (3.1), 4 (3.1.1) or 5 (5.0).");

const clientSchema = object(
  {
    clientId,
    tenant,
    principal: string("The id of the principal the client authenticated as."),
    username: string("The user name of its CONNECT."),
    protocolVersion,
    remoteAddress: string("The client's address and port."),
    listener: string("The listener it connected to."),
    keepAlive: integer("The keep-alive in force, in seconds (0: none)."),
    cleanStart: boolean("Whether it connected with Clean Start (v3: Clean Session)."),
    sessionExpiry: integer("The session expiry interval, in seconds."),
    subscriptions: integer("How many subscriptions its session has."),
    inflight: integer("QoS 1/2 messages sent to it and not yet acknowledged."),
    queued: integer("Messages waiting for room in its in-flight window."),
  },
  [
    "clientId",
    "tenant",
    "principal",
    "protocolVersion",
    "remoteAddress",
    "listener",
    "keepAlive",
    "cleanStart",
    "sessionExpiry",
    "subscriptions",
    "inflight",
    "queued",
  ],
  "A connected client.",
);

const sessionSchema = object(
  {
    clientId,
    tenant: string("The session's tenant."),
    connected: boolean("Whether a client is connected to it."),
    protocolVersion,
    expiryInterval: integer("Seconds the session outlives its connection (4294967295: never expires)."),
    disconnectedAt: integer("When its client disconnected, in milliseconds since the epoch."),
    subscriptions: {
      type: "array",
      description: "Its subscriptions.",
      items: object(
        {
          topicFilter: string("The filter, as the client sent it (with any `$share/<group>/`)."),
          qos: integer("The QoS granted."),
        },
        ["topicFilter", "qos"],
      ),
    },
    inflight: integer("QoS 1/2 messages sent and not yet acknowledged."),
    queued: integer("Messages waiting to be sent (while offline or for in-flight room)."),
  },
  [
    "clientId",
    "tenant",
    "connected",
    "protocolVersion",
    "expiryInterval",
    "subscriptions",
    "inflight",
    "queued",
  ],
  "A session.",
);

const retainedSchema = object(
  {
    topic: string("The topic, as its tenant's clients see it."),
    tenant: string("The tenant."),
    qos: integer("The QoS it was published with."),
    payload: string("The payload: UTF-8 text, or base64 when it is not valid UTF-8 (see `encoding`)."),
    encoding: string("How `payload` is written.", { enum: ["utf8", "base64"] }),
    contentType: string("Its v5 Content Type."),
    payloadFormatIndicator: boolean("Its v5 Payload Format Indicator (true: UTF-8)."),
    createdAt: integer("When it was published, in milliseconds since the epoch."),
    expiresAt: integer("When it expires, in milliseconds since the epoch."),
  },
  ["topic", "tenant", "qos", "payload", "encoding", "createdAt"],
  "A retained message.",
);

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The tenant and client id of a session key (`$t/<tenant>/<client id>` for tenants other than the default). */
function splitSessionKey(key: string): { readonly tenant: string; readonly clientId: string } {
  if (!key.startsWith(`${MOUNT_ROOT}/`)) return { tenant: DEFAULT_TENANT, clientId: key };
  const end = key.indexOf("/", MOUNT_ROOT.length + 1);
  return { tenant: key.slice(MOUNT_ROOT.length + 1, end), clientId: key.slice(end + 1) };
}

function sessionKey(tenantId: string, id: string): string {
  return mountOf(tenantId).plain + id;
}

function queryTenant(call: AdminCall): string | undefined {
  return call.query["tenant"] as string | undefined;
}

function pageOf(call: AdminCall): { readonly limit: number; readonly offset: number } {
  return { limit: call.query["limit"] as number, offset: call.query["offset"] as number };
}

/** Every connected client's connection, with its tenant and client id as the client sees them. */
function* connectedClients(
  broker: Broker,
): Generator<{ readonly conn: Connection; readonly tenant: string; readonly clientId: string }> {
  for (const conn of broker.connections) {
    if (conn.state !== "connected" || conn.params === undefined || conn.identity === undefined) continue;
    yield { conn, ...splitSessionKey(conn.params.clientId) };
  }
}

function clientView(conn: Connection, tenantId: string, id: string): Record<string, unknown> {
  const params = conn.params!;
  const identity = conn.identity!;
  const session = conn.session;
  return {
    clientId: id,
    tenant: tenantId,
    principal: identity.principal.id,
    ...(identity.username === undefined ? {} : { username: identity.username }),
    protocolVersion: conn.version,
    remoteAddress: conn.transport.remoteAddress,
    listener: conn.listener.name,
    keepAlive: params.keepAlive,
    cleanStart: params.cleanStart,
    sessionExpiry: params.sessionExpiry,
    subscriptions: session?.subscriptions.size ?? 0,
    inflight: session?.inflight.size ?? 0,
    queued: session?.queue.length ?? 0,
  };
}

function sessionView(session: Session, tenantId: string, id: string): Record<string, unknown> {
  return {
    clientId: id,
    tenant: tenantId,
    connected: session.connected,
    protocolVersion: session.protocolVersion,
    expiryInterval: session.expiryInterval,
    ...(session.disconnectedAt === undefined ? {} : { disconnectedAt: session.disconnectedAt }),
    subscriptions: [...session.subscriptions.values()].map((s) => ({
      topicFilter:
        s.shareGroup === undefined
          ? unmountTopic(s.filter)
          : `$share/${s.shareGroup}/${unmountTopic(s.filter)}`,
      qos: s.qos,
    })),
    inflight: session.inflight.size,
    queued: session.queue.length,
  };
}

function retainedView(message: ApplicationMessage, tenantId: string): Record<string, unknown> {
  let payload: string;
  let encoding: "utf8" | "base64" = "utf8";
  try {
    payload = utf8.decode(message.payload);
  } catch {
    payload = Buffer.from(message.payload).toString("base64");
    encoding = "base64";
  }
  const properties = message.properties;
  return {
    topic: unmountTopic(message.topic),
    tenant: tenantId,
    qos: message.qos,
    payload,
    encoding,
    ...(properties?.contentType === undefined ? {} : { contentType: properties.contentType }),
    ...(properties?.payloadFormatIndicator === undefined
      ? {}
      : { payloadFormatIndicator: properties.payloadFormatIndicator }),
    createdAt: message.createdAt,
    ...(message.expiresAt === undefined ? {} : { expiresAt: message.expiresAt }),
  };
}

/** The mounted form of a topic or filter in a tenant, or a 400 naming the query parameter. */
function mounted(tenantId: string, topic: string, parameter: string): string {
  const mount = mountOf(tenantId);
  if (mount.root) {
    if (isMountNamespace(topic))
      throw new ApiError(
        "BAD_REQUEST",
        `Invalid query: "${parameter}" must not begin with "$t/" or "$td/" (name the tenant with "tenant")`,
      );
    return topic;
  }
  return prefixFor(mount, topic) + topic;
}

function notFound(what: string, id: string, tenantId: string): ApiError {
  return new ApiError("NOT_FOUND", `No ${what} "${id}" in tenant "${tenantId}"`);
}

/** The tenant named by the query if the caller administers it; a 404 naming `what` otherwise. */
function namedTenant(caller: AdminCaller, requested: string | undefined, what: string, id: string): string {
  const tenantId = requested ?? caller.principal.tenant;
  if (!administers(caller, tenantId)) throw notFound(what, id, tenantId);
  return tenantId;
}

/** The schemas of clients, sessions and retained messages, by OpenAPI component name. */
export const brokerSchemas: Readonly<Record<string, Schema>> = {
  Client: clientSchema,
  Session: sessionSchema,
  RetainedMessage: retainedSchema,
};

export function brokerRoutes(broker: Broker): AdminRoute[] {
  const listQuery = object({ ...paginationQuery, tenant: tenantQuery });
  const tenantOnly = object({ tenant: tenantQuery });
  return [
    {
      method: "GET",
      url: "/api/v1/clients",
      operationId: "listClients",
      summary: "List connected clients (a page).",
      tag: "clients",
      query: listQuery,
      status: 200,
      response: page(clientSchema, "A page of connected clients."),
      handle: (call) => {
        const scope = listTenant(call.caller!, queryTenant(call));
        const items: Record<string, unknown>[] = [];
        if (scope !== null)
          for (const { conn, tenant: t, clientId: id } of connectedClients(broker))
            if (scope === undefined || t === scope) items.push(clientView(conn, t, id));
        return paginate(items, pageOf(call));
      },
    },
    {
      method: "DELETE",
      url: "/api/v1/clients/:clientId",
      operationId: "disconnectClient",
      summary:
        "Disconnect a client (v5: DISCONNECT 0x98 Administrative action). Its session stays, as after any disconnection.",
      tag: "clients",
      params: clientIdParams,
      query: tenantOnly,
      status: 204,
      errors: [404],
      handle: (call) => {
        const id = call.params["clientId"]!;
        const tenantId = namedTenant(call.caller!, queryTenant(call), "connected client", id);
        const key = sessionKey(tenantId, id);
        const conn = [...broker.connections].find(
          (c) => c.state === "connected" && c.params?.clientId === key,
        );
        if (conn === undefined) throw notFound("connected client", id, tenantId);
        conn.log.info({ admin: call.caller!.principal.id }, "Client disconnected by an administrator");
        conn.disconnect(ReasonCode.AdministrativeAction, "Disconnected by an administrator");
        return undefined;
      },
    },
    {
      method: "GET",
      url: "/api/v1/sessions",
      operationId: "listSessions",
      summary: "List sessions, connected or not (a page).",
      tag: "sessions",
      query: listQuery,
      status: 200,
      response: page(sessionSchema, "A page of sessions."),
      handle: (call) => {
        const scope = listTenant(call.caller!, queryTenant(call));
        const items: Record<string, unknown>[] = [];
        if (scope !== null)
          for (const session of broker.sessions.values()) {
            const { tenant: t, clientId: id } = splitSessionKey(session.clientId);
            if (scope === undefined || t === scope) items.push(sessionView(session, t, id));
          }
        return paginate(items, pageOf(call));
      },
    },
    {
      method: "DELETE",
      url: "/api/v1/sessions/:clientId",
      commits: true,
      operationId: "deleteSession",
      summary:
        "Delete a session: its subscriptions, queue and in-flight messages go; a connected client is disconnected (v5: 0x98).",
      tag: "sessions",
      params: clientIdParams,
      query: tenantOnly,
      status: 204,
      errors: [404],
      handle: async (call) => {
        const id = call.params["clientId"]!;
        const tenantId = namedTenant(call.caller!, queryTenant(call), "session", id);
        const session = broker.sessions.get(sessionKey(tenantId, id));
        if (session === undefined) throw notFound("session", id, tenantId);
        // the session ends with its connection, which is closed now; an offline one ends at once
        session.expiryInterval = 0;
        const link = session.link;
        const conn = [...broker.connections].find((c) => c === link);
        if (conn !== undefined)
          conn.disconnect(ReasonCode.AdministrativeAction, "Session deleted by an administrator");
        broker.sessions.end(session, broker.now());
        broker.logger.info(
          { clientId: id, tenant: tenantId, admin: call.caller!.principal.id },
          "Session deleted by an administrator",
        );
        await committed(broker.store.commit(), `Session "${id}" is deleted`);
        return undefined;
      },
    },
    {
      method: "GET",
      url: "/api/v1/retained",
      operationId: "listRetained",
      summary: "List the retained messages whose topics match a topic filter (a page, ordered by topic).",
      tag: "retained",
      query: object(
        {
          filter: string("A topic filter (`+` and `#` allowed; URL-encode `#` as `%23`).", {
            minLength: 1,
            maxLength: 65535,
          }),
          ...paginationQuery,
          tenant: tenantQuery,
        },
        ["filter"],
      ),
      status: 200,
      response: page(retainedSchema, "A page of retained messages."),
      handle: (call) => {
        const filter = call.query["filter"] as string;
        const error = topicFilterError(filter);
        if (error !== undefined) throw new ApiError("BAD_REQUEST", `Invalid query: "filter": ${error}`);
        const scope = listTenant(call.caller!, queryTenant(call));
        if (scope === null) return paginate([], pageOf(call));
        const tenantId = scope ?? call.caller!.principal.tenant;
        // match and order by topic, then render only the page: a payload's rendering (UTF-8 decoding,
        // base64) costs time and memory in proportion to its size, and a page of one must not pay for
        // every matching retained message
        const matches: { readonly topic: string; readonly message: ApplicationMessage }[] = [];
        broker.retained.match(mounted(tenantId, filter, "filter"), broker.now(), (message) =>
          matches.push({ topic: unmountTopic(message.topic), message }),
        );
        matches.sort((a, b) => (a.topic < b.topic ? -1 : 1));
        const found = paginate(matches, pageOf(call));
        return { ...found, items: found.items.map(({ message }) => retainedView(message, tenantId)) };
      },
    },
    {
      method: "DELETE",
      url: "/api/v1/retained",
      commits: true,
      operationId: "deleteRetained",
      summary: "Delete the retained message of a topic (nothing is published).",
      tag: "retained",
      query: object(
        {
          topic: string("The topic (no wildcards).", { minLength: 1, maxLength: 65535 }),
          tenant: tenantQuery,
        },
        ["topic"],
      ),
      status: 204,
      errors: [404],
      handle: async (call) => {
        const topic = call.query["topic"] as string;
        const error = topicNameError(topic);
        if (error !== undefined) throw new ApiError("BAD_REQUEST", `Invalid query: "topic": ${error}`);
        const tenantId = namedTenant(call.caller!, queryTenant(call), "retained message on", topic);
        const message = broker.retained.get(mounted(tenantId, topic, "topic"));
        if (message === undefined) throw notFound("retained message on", topic, tenantId);
        // a retained PUBLISH with an empty payload is what removes a retained message [MQTT-3.3.1-6]
        broker.retained.update({ ...message, payload: new Uint8Array(0) });
        await committed(broker.store.commit(), `The retained message on "${topic}" is deleted`);
        return undefined;
      },
    },
  ];
}
