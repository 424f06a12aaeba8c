import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AddressTable, isLoopbackIp, remoteIp } from "./address-table.js";

describe("AddressTable", () => {
  it("counts connections per address and forgets an address with none and a full bucket", () => {
    const table = new AddressTable({ rate: 1, burst: 2 });
    table.opened("10.0.0.1", 0);
    table.opened("10.0.0.1", 0);
    assert.equal(table.connections("10.0.0.1"), 2);
    table.closed("10.0.0.1", 0);
    table.closed("10.0.0.1", 0);
    assert.equal(table.size, 0);
  });

  it("takeConnectToken() spends a per-address bucket and keeps the entry until it is full again", () => {
    const table = new AddressTable({ rate: 1, burst: 2 });
    assert.ok(table.takeConnectToken("a", 0) && table.takeConnectToken("a", 0));
    assert.ok(!table.takeConnectToken("a", 0));
    assert.ok(table.takeConnectToken("b", 0), "another address has its own bucket");
    assert.ok(table.takeConnectToken("a", 1000));
    table.opened("a", 1000);
    table.closed("a", 1000);
    assert.equal(table.connections("a"), 0);
    assert.equal(table.size, 2, "a's bucket is not full yet, so a is remembered");
  });

  it("without a rate, takeConnectToken() always succeeds and remembers nothing", () => {
    const table = new AddressTable({ rate: 0, burst: 1 });
    for (let i = 0; i < 5; i++) assert.ok(table.takeConnectToken("a", 0));
    assert.equal(table.size, 0);
  });

  it("stays bounded under a flood of addresses", () => {
    const table = new AddressTable({ rate: 0.001, burst: 1, maxEntries: 5000 });
    for (let i = 0; i < 50_000; i++) table.takeConnectToken(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, 0);
    assert.ok(table.size <= 5000, `${table.size} entries`);
  });
});

describe("remoteIp() and isLoopbackIp()", () => {
  it("strip the port and write IPv4-mapped addresses as IPv4", () => {
    assert.equal(remoteIp("127.0.0.1:5555"), "127.0.0.1");
    assert.equal(remoteIp("::1:5555"), "::1");
    assert.equal(remoteIp("::ffff:10.0.0.1:443"), "10.0.0.1");
    assert.equal(remoteIp("memory"), "memory");
    assert.ok(isLoopbackIp("127.0.0.1") && isLoopbackIp("127.1.2.3") && isLoopbackIp("::1"));
    assert.ok(!isLoopbackIp("10.0.0.1") && !isLoopbackIp("::2"));
  });
});
