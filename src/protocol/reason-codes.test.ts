import assert from "node:assert/strict";
import { test } from "node:test";

import { assertNever } from "./packet.js";
import { ConnackReturnCode, isFailure, ReasonCode, toV3ConnackReturnCode } from "./reason-codes.js";

test("toV3ConnackReturnCode() maps v5 CONNACK reason codes to v3 return codes", () => {
  const cases: readonly (readonly [number, number])[] = [
    [ReasonCode.Success, ConnackReturnCode.Accepted],
    [ReasonCode.UnsupportedProtocolVersion, ConnackReturnCode.UnacceptableProtocolVersion],
    [ReasonCode.ClientIdentifierNotValid, ConnackReturnCode.IdentifierRejected],
    [ReasonCode.BadUserNameOrPassword, ConnackReturnCode.BadUsernameOrPassword],
    [ReasonCode.BadAuthenticationMethod, ConnackReturnCode.BadUsernameOrPassword],
    [ReasonCode.NotAuthorized, ConnackReturnCode.NotAuthorized],
    [ReasonCode.Banned, ConnackReturnCode.NotAuthorized],
    [ReasonCode.ServerBusy, ConnackReturnCode.ServerUnavailable],
    [ReasonCode.MalformedPacket, ConnackReturnCode.ServerUnavailable],
  ];
  for (const [reasonCode, returnCode] of cases) assert.equal(toV3ConnackReturnCode(reasonCode), returnCode);
});

test("isFailure() is true from 0x80 up", () => {
  assert.equal(isFailure(0x00), false);
  assert.equal(isFailure(0x7f), false);
  assert.equal(isFailure(0x80), true);
  assert.equal(isFailure(0xa2), true);
});

test("assertNever() throws a TypeError naming the value", () => {
  assert.throws(() => assertNever(42 as never), { name: "TypeError", message: "Unexpected value: 42" });
});
