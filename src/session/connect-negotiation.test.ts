import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PacketType, type ProtocolVersion } from "../protocol/packet-type.js";
import type { ConnectPacket } from "../protocol/packets/connect.js";
import type { Properties } from "../protocol/properties.js";
import { ConnackReturnCode, ReasonCode, toV3ConnackReturnCode } from "../protocol/reason-codes.js";
import {
  type ConnectionParameters,
  inflightCapacity,
  type NegotiationResult,
  negotiateConnect,
  type ServerLimits,
} from "./connect-negotiation.js";

/** The configuration defaults (docs/configuration.md). */
const DEFAULTS: ServerLimits = {
  maxPacketSize: 2_000_000,
  receiveMaximum: 100,
  maxInflight: 100,
  topicAliasMaximum: 64,
  maxQos: 2,
  retainAvailable: true,
  wildcardSubscriptionAvailable: true,
  sharedSubscriptionAvailable: true,
  subscriptionIdentifiersAvailable: true,
  maxKeepAlive: 65535,
  maxSessionExpiry: 0xffffffff,
  maxClientIdLength: 65535,
};

/** Limits at which every CONNACK property has its default value, so none needs sending. */
const NEUTRAL: ServerLimits = {
  ...DEFAULTS,
  maxPacketSize: 268_435_455,
  receiveMaximum: 65535,
  topicAliasMaximum: 0,
};

function connect(
  version: ProtocolVersion,
  fields: { clientId?: string; cleanStart?: boolean; keepAlive?: number; properties?: Properties } = {},
): ConnectPacket {
  const packet: ConnectPacket = {
    type: PacketType.CONNECT,
    protocolName: version === 3 ? "MQIsdp" : "MQTT",
    protocolVersion: version,
    clientId: fields.clientId ?? "client-1",
    cleanStart: fields.cleanStart ?? true,
    keepAlive: fields.keepAlive ?? 30,
  };
  if (fields.properties !== undefined) packet.properties = fields.properties;
  return packet;
}

interface Assigner {
  (): string;
  calls: number;
}

function assigner(id = "sb-assigned-1"): Assigner {
  const fn = (() => {
    fn.calls++;
    return id;
  }) as Assigner;
  fn.calls = 0;
  return fn;
}

function accepted(result: NegotiationResult): {
  parameters: ConnectionParameters;
  connackProperties: Properties | undefined;
} {
  if (!result.ok)
    assert.fail(
      `expected the CONNECT to be accepted, got 0x${result.reasonCode.toString(16)}: ${result.reason}`,
    );
  return result;
}

function refused(result: NegotiationResult): { reasonCode: number; reason: string } {
  if (result.ok) assert.fail("expected the CONNECT to be refused");
  return result;
}

const negotiate = (
  packet: ConnectPacket,
  limits: ServerLimits = DEFAULTS,
  assign: () => string = assigner(),
) => negotiateConnect(packet, limits, assign);

describe("negotiateConnect: client identifier", () => {
  it("[MQTT-3.1.3-6] [MQTT-3.1.3-7] [MQTT-3.2.2-16] v5: an empty client id gets an assigned one, returned in the CONNACK", () => {
    for (const cleanStart of [true, false]) {
      const assign = assigner("sb-123");
      const { parameters, connackProperties } = accepted(
        negotiate(connect(5, { clientId: "", cleanStart }), NEUTRAL, assign),
      );
      assert.equal(assign.calls, 1);
      assert.equal(parameters.clientId, "sb-123");
      assert.equal(parameters.clientIdAssigned, true);
      assert.deepEqual(connackProperties, { assignedClientIdentifier: "sb-123" });
    }
  });

  it("[MQTT-3.1.3-6] v3.1.1: an empty client id with Clean Session 1 gets an assigned one (no CONNACK properties in v3)", () => {
    const assign = assigner("sb-456");
    const { parameters, connackProperties } = accepted(
      negotiate(connect(4, { clientId: "", cleanStart: true }), DEFAULTS, assign),
    );
    assert.equal(assign.calls, 1);
    assert.equal(parameters.clientId, "sb-456");
    assert.equal(parameters.clientIdAssigned, true);
    assert.equal(connackProperties, undefined);
  });

  it("[MQTT-3.1.3-8] v3.1.1: an empty client id with Clean Session 0 is refused with 0x85 (v3 return code 0x02 Identifier rejected)", () => {
    const assign = assigner();
    const { reasonCode } = refused(
      negotiate(connect(4, { clientId: "", cleanStart: false }), DEFAULTS, assign),
    );
    assert.equal(reasonCode, ReasonCode.ClientIdentifierNotValid);
    assert.equal(toV3ConnackReturnCode(reasonCode), ConnackReturnCode.IdentifierRejected);
    assert.equal(assign.calls, 0);
  });

  it("[MQTT 3.1 spec 3.1] v3.1: an empty client id is refused with Identifier rejected, whatever Clean Session", () => {
    for (const cleanStart of [true, false]) {
      const assign = assigner();
      const { reasonCode } = refused(negotiate(connect(3, { clientId: "", cleanStart }), DEFAULTS, assign));
      assert.equal(toV3ConnackReturnCode(reasonCode), ConnackReturnCode.IdentifierRejected);
      assert.equal(assign.calls, 0);
    }
  });

  it("[MQTT 3.1 spec 3.1] v3.1: a client id of 23 characters is accepted, one of 24 is refused with Identifier rejected", () => {
    accepted(negotiate(connect(3, { clientId: "a".repeat(23) })));
    const { reasonCode } = refused(negotiate(connect(3, { clientId: "a".repeat(24) })));
    assert.equal(toV3ConnackReturnCode(reasonCode), ConnackReturnCode.IdentifierRejected);
  });

  it("negotiateConnect keeps a client id the client sent and does not call the generator", () => {
    for (const version of [3, 4, 5] as const) {
      const assign = assigner();
      const { parameters, connackProperties } = accepted(
        negotiate(connect(version, { clientId: "mine" }), NEUTRAL, assign),
      );
      assert.equal(parameters.clientId, "mine");
      assert.equal(parameters.clientIdAssigned, false);
      assert.equal(assign.calls, 0);
      assert.equal(connackProperties?.assignedClientIdentifier, undefined);
    }
  });

  it("[MQTT-3.1.3-5] [MQTT-3.1.3-8] negotiateConnect refuses a client id longer than maxClientIdLength bytes (UTF-8) with 0x85", () => {
    const limits = { ...DEFAULTS, maxClientIdLength: 23 };
    for (const version of [4, 5] as const) {
      accepted(negotiate(connect(version, { clientId: "x".repeat(23) }), limits));
      assert.equal(
        refused(negotiate(connect(version, { clientId: "x".repeat(24) }), limits)).reasonCode,
        0x85,
      );
      // 12 characters, 24 bytes: the limit is in bytes
      assert.equal(
        refused(negotiate(connect(version, { clientId: "é".repeat(12) }), limits)).reasonCode,
        0x85,
      );
      accepted(negotiate(connect(version, { clientId: "é".repeat(11) }), limits));
    }
  });
});

describe("negotiateConnect: keep alive", () => {
  it("[MQTT-3.2.2-22] without a keep-alive limit the client's Keep Alive is used and no Server Keep Alive is sent", () => {
    for (const maxKeepAlive of [0, 65535]) {
      for (const keepAlive of [0, 1, 600, 65535]) {
        for (const version of [4, 5] as const) {
          const { parameters, connackProperties } = accepted(
            negotiate(connect(version, { keepAlive }), { ...NEUTRAL, maxKeepAlive }),
          );
          assert.equal(
            parameters.keepAlive,
            keepAlive,
            `v${version} keepAlive ${keepAlive} max ${maxKeepAlive}`,
          );
          assert.equal(connackProperties?.serverKeepAlive, undefined);
        }
      }
    }
  });

  it("[MQTT-3.2.2-22] v5: a Keep Alive within maxKeepAlive is used as sent, without Server Keep Alive", () => {
    for (const keepAlive of [1, 59, 60]) {
      const { parameters, connackProperties } = accepted(
        negotiate(connect(5, { keepAlive }), { ...NEUTRAL, maxKeepAlive: 60 }),
      );
      assert.equal(parameters.keepAlive, keepAlive);
      assert.deepEqual(connackProperties, {});
    }
  });

  it("[MQTT-3.2.2-21] v5: a Keep Alive above maxKeepAlive, or 0, is replaced by maxKeepAlive sent as Server Keep Alive", () => {
    for (const keepAlive of [0, 61, 65535]) {
      const { parameters, connackProperties } = accepted(
        negotiate(connect(5, { keepAlive }), { ...NEUTRAL, maxKeepAlive: 60 }),
      );
      assert.equal(parameters.keepAlive, 60);
      assert.deepEqual(connackProperties, { serverKeepAlive: 60 });
    }
  });

  it("[spec 3.1.2.10] v3: a Keep Alive above maxKeepAlive is refused (no Server Keep Alive in v3); one within it is used", () => {
    for (const version of [3, 4] as const) {
      const limits = { ...DEFAULTS, maxKeepAlive: 60 };
      assert.equal(accepted(negotiate(connect(version, { keepAlive: 60 }), limits)).parameters.keepAlive, 60);
      const { reasonCode } = refused(negotiate(connect(version, { keepAlive: 61 }), limits));
      assert.equal(toV3ConnackReturnCode(reasonCode), ConnackReturnCode.IdentifierRejected);
    }
  });

  it("[spec 3.1.2.10] v3: Keep Alive 0 (never time out) exceeds a maxKeepAlive limit and is refused, as in Mosquitto 2", () => {
    for (const version of [3, 4] as const) {
      const result = negotiate(connect(version, { keepAlive: 0 }), { ...DEFAULTS, maxKeepAlive: 60 });
      assert.equal(result.ok, false, `v${version}: keep alive 0 was accepted although the limit is 60 s`);
    }
  });
});

describe("negotiateConnect: session expiry", () => {
  it("[spec 3.1.2.11.2] v5: without Session Expiry Interval the session ends with the connection", () => {
    const { parameters, connackProperties } = accepted(negotiate(connect(5, { cleanStart: false }), NEUTRAL));
    assert.equal(parameters.sessionExpiry, 0);
    assert.equal(connackProperties?.sessionExpiryInterval, undefined);
  });

  it("[spec 3.1.2.11.2] v5: a Session Expiry Interval within maxSessionExpiry is used and not echoed in the CONNACK", () => {
    for (const requested of [0, 1, 3600, 0xffffffff]) {
      const { parameters, connackProperties } = accepted(
        negotiate(connect(5, { properties: { sessionExpiryInterval: requested } }), NEUTRAL),
      );
      assert.equal(parameters.sessionExpiry, requested);
      assert.deepEqual(connackProperties, {});
    }
  });

  it("[spec 3.2.2.3.2] v5: a Session Expiry Interval above maxSessionExpiry is capped and the CONNACK tells the value used", () => {
    const limits = { ...NEUTRAL, maxSessionExpiry: 7200 };
    for (const requested of [7201, 0xffffffff]) {
      const { parameters, connackProperties } = accepted(
        negotiate(connect(5, { properties: { sessionExpiryInterval: requested } }), limits),
      );
      assert.equal(parameters.sessionExpiry, 7200);
      assert.deepEqual(connackProperties, { sessionExpiryInterval: 7200 });
    }
    const within = accepted(negotiate(connect(5, { properties: { sessionExpiryInterval: 100 } }), limits));
    assert.equal(within.parameters.sessionExpiry, 100);
    assert.deepEqual(within.connackProperties, {});
  });

  it("[spec 3.1.2.4] v3: Clean Session 1 maps to expiry 0, Clean Session 0 to maxSessionExpiry", () => {
    for (const version of [3, 4] as const) {
      for (const maxSessionExpiry of [0xffffffff, 7200]) {
        const limits = { ...DEFAULTS, maxSessionExpiry };
        assert.equal(
          accepted(negotiate(connect(version, { cleanStart: true }), limits)).parameters.sessionExpiry,
          0,
        );
        assert.equal(
          accepted(negotiate(connect(version, { cleanStart: false }), limits)).parameters.sessionExpiry,
          maxSessionExpiry,
        );
      }
    }
  });
});

describe("negotiateConnect: CONNACK properties and parameters", () => {
  it("v3: negotiateConnect never returns CONNACK properties, whatever the limits", () => {
    const strict: ServerLimits = {
      ...DEFAULTS,
      maxQos: 1,
      retainAvailable: false,
      wildcardSubscriptionAvailable: false,
      subscriptionIdentifiersAvailable: false,
      sharedSubscriptionAvailable: false,
      maxKeepAlive: 100,
    };
    for (const version of [3, 4] as const) {
      assert.equal(accepted(negotiate(connect(version), strict)).connackProperties, undefined);
    }
  });

  it("v5: at the protocol defaults negotiateConnect sends no CONNACK property at all", () => {
    assert.deepEqual(accepted(negotiate(connect(5), NEUTRAL)).connackProperties, {});
  });

  it("v5: with the configuration defaults the CONNACK carries Receive Maximum, Maximum Packet Size and Topic Alias Maximum only", () => {
    assert.deepEqual(accepted(negotiate(connect(5), DEFAULTS)).connackProperties, {
      receiveMaximum: 100,
      maximumPacketSize: 2_000_000,
      topicAliasMaximum: 64,
    });
  });

  it("[MQTT-3.2.2-9] [spec 3.2.2.3] v5: each limit below its default is sent, alone, as its CONNACK property", () => {
    const cases: [Partial<ServerLimits>, Properties][] = [
      [{ receiveMaximum: 10 }, { receiveMaximum: 10 }],
      [{ receiveMaximum: 65534 }, { receiveMaximum: 65534 }],
      [{ maxQos: 1 }, { maximumQoS: 1 }],
      [{ maxQos: 0 }, { maximumQoS: 0 }],
      [{ retainAvailable: false }, { retainAvailable: false }],
      [{ maxPacketSize: 1024 }, { maximumPacketSize: 1024 }],
      [{ maxPacketSize: 268_435_454 }, { maximumPacketSize: 268_435_454 }],
      [{ topicAliasMaximum: 1 }, { topicAliasMaximum: 1 }],
      [{ wildcardSubscriptionAvailable: false }, { wildcardSubscriptionAvailable: false }],
      [{ subscriptionIdentifiersAvailable: false }, { subscriptionIdentifierAvailable: false }],
      [{ sharedSubscriptionAvailable: false }, { sharedSubscriptionAvailable: false }],
    ];
    for (const [limits, expected] of cases) {
      assert.deepEqual(
        accepted(negotiate(connect(5), { ...NEUTRAL, ...limits })).connackProperties,
        expected,
        JSON.stringify(limits),
      );
    }
  });

  it("v5: negotiateConnect takes the client's Receive Maximum, Maximum Packet Size, Topic Alias Maximum and Request Problem Information", () => {
    const { parameters } = accepted(
      negotiate(
        connect(5, {
          properties: {
            receiveMaximum: 7,
            maximumPacketSize: 512,
            topicAliasMaximum: 9,
            requestProblemInformation: false,
          },
        }),
      ),
    );
    assert.equal(parameters.clientReceiveMaximum, 7);
    assert.equal(parameters.clientMaximumPacketSize, 512);
    assert.equal(parameters.clientTopicAliasMaximum, 9);
    assert.equal(parameters.requestProblemInformation, false);
  });

  it("[spec 3.1.2.11] negotiateConnect defaults: Receive Maximum 65535, no packet size limit, no topic aliases, problem information on", () => {
    for (const version of [3, 4, 5] as const) {
      const { parameters } = accepted(negotiate(connect(version, { cleanStart: false, keepAlive: 17 })));
      assert.equal(parameters.version, version);
      assert.equal(parameters.cleanStart, false);
      assert.equal(parameters.keepAlive, 17);
      assert.equal(parameters.clientReceiveMaximum, 65535);
      assert.ok(parameters.clientMaximumPacketSize >= 268_435_455, "no limit on what the client accepts");
      assert.equal(parameters.clientTopicAliasMaximum, 0);
      assert.equal(parameters.requestProblemInformation, true);
    }
  });
});

describe("inflightCapacity", () => {
  it("[MQTT-3.3.4-9] [MQTT-4.9.0-1] inflightCapacity is the client's Receive Maximum bounded by maxInflight", () => {
    const params = (clientReceiveMaximum: number): ConnectionParameters => ({
      ...accepted(negotiate(connect(5))).parameters,
      clientReceiveMaximum,
    });
    assert.equal(inflightCapacity(params(65535), DEFAULTS), 100);
    assert.equal(inflightCapacity(params(100), DEFAULTS), 100);
    assert.equal(inflightCapacity(params(5), DEFAULTS), 5);
    assert.equal(inflightCapacity(params(1), DEFAULTS), 1);
    assert.equal(inflightCapacity(params(200), { ...DEFAULTS, maxInflight: 65535 }), 200);
    assert.equal(inflightCapacity(params(65535), { ...DEFAULTS, maxInflight: 1 }), 1);
  });
});
