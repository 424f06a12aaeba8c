import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { topicMatches } from "../protocol/index.js";
import {
  clientTopicOf,
  isMountNamespace,
  isSysTopic,
  mountFits,
  mountOf,
  prefixFor,
  ROOT_MOUNT,
  tenantIdError,
  tenantOfTopic,
  unmountTopic,
  utf8Length,
} from "./tenant-mount.js";

describe("tenantIdError()", () => {
  it("accepts ids without '/', '+', '#' or U+0000, of 1 to 128 characters", () => {
    for (const id of ["acme", "a-b_c.d", "ümlaut", "x".repeat(128)])
      assert.equal(tenantIdError(id), undefined, id);
    for (const id of ["", "a/b", "a+b", "a#", "a\u0000b", "x".repeat(129)]) assert.ok(tenantIdError(id), id);
  });
});

describe("mountOf()", () => {
  it("mounts the default tenant at the root and others under $t/<tenant>/ and $td/<tenant>/", () => {
    assert.equal(mountOf("default"), ROOT_MOUNT);
    assert.deepEqual(mountOf("acme"), { root: false, plain: "$t/acme/", dollar: "$td/acme/" });
  });

  it("prefixFor() picks the root by the first character, so the $ rule holds within a tenant [MQTT-4.7.2-1]", () => {
    const mount = mountOf("acme");
    const topics = ["a/b", "$foo/bar", "$t/globex/x", "/x", "a"];
    const filters = ["#", "+/bar", "$foo/#", "a/#", "+"];
    for (const filter of filters) {
      for (const topic of topics) {
        const mounted = topicMatches(prefixFor(mount, filter) + filter, prefixFor(mount, topic) + topic);
        assert.equal(mounted, topicMatches(filter, topic), `"${filter}" on "${topic}"`);
      }
    }
  });

  it("keeps tenants apart: no mounted filter of one tenant matches a mounted topic of another, nor does a root filter", () => {
    const acme = mountOf("acme");
    const globex = mountOf("globex");
    for (const filter of ["#", "+/#", "$t/#", "$td/#", "a/#", "$foo/#"]) {
      for (const topic of ["a/b", "$foo/bar", "$t/acme/a"]) {
        assert.ok(!topicMatches(prefixFor(acme, filter) + filter, prefixFor(globex, topic) + topic));
        if (!isMountNamespace(filter)) assert.ok(!topicMatches(filter, prefixFor(globex, topic) + topic));
      }
    }
  });
});

describe("unmountTopic() and clientTopicOf()", () => {
  it("strips a mount prefix and leaves other topics alone", () => {
    assert.equal(unmountTopic("$t/acme/a/b"), "a/b");
    assert.equal(unmountTopic("$td/acme/$foo/b"), "$foo/b");
    assert.equal(unmountTopic("$td/acme/$t/globex/x"), "$t/globex/x");
    assert.equal(unmountTopic("a/b"), "a/b");
    assert.equal(unmountTopic("$SYS/broker/uptime"), "$SYS/broker/uptime");
    assert.equal(unmountTopic("$tx/a"), "$tx/a");
  });

  it("tenantOfTopic() names the tenant of a mounted topic, else the default tenant", () => {
    assert.equal(tenantOfTopic("$t/acme/a/b"), "acme");
    assert.equal(tenantOfTopic("$td/acme/$foo/b"), "acme");
    assert.equal(tenantOfTopic("$td/acme/$t/globex/x"), "acme");
    assert.equal(tenantOfTopic("a/b"), "default");
    assert.equal(tenantOfTopic("$SYS/broker/uptime"), "default");
    assert.equal(tenantOfTopic("$tx/a"), "default");
  });

  it("clientTopicOf() unmounts once per message and caches the result on it", () => {
    const message: { topic: string; clientTopic?: string } = { topic: "$t/acme/a/b" };
    assert.equal(clientTopicOf(message), "a/b");
    assert.equal(message.clientTopic, "a/b");
    message.clientTopic = "cached";
    assert.equal(clientTopicOf(message), "cached");
    const plain: { topic: string; clientTopic?: string } = { topic: "a/b" };
    assert.equal(clientTopicOf(plain), "a/b");
    assert.equal(plain.clientTopic, undefined, "nothing is cached for topics not beginning with $");
  });
});

describe("isSysTopic() and isMountNamespace()", () => {
  it("look at the whole first level", () => {
    assert.ok(isSysTopic("$SYS") && isSysTopic("$SYS/x") && !isSysTopic("$SYSTEM/x") && !isSysTopic("SYS/x"));
    for (const t of ["$t", "$t/x", "$td", "$td/x/y"]) assert.ok(isMountNamespace(t), t);
    for (const t of ["$tx", "$t2/x", "t/x", "$tdx/y"]) assert.ok(!isMountNamespace(t), t);
  });
});

describe("mountFits() and utf8Length()", () => {
  it("keeps a mounted topic within 65,535 bytes of UTF-8", () => {
    assert.equal(utf8Length("aé€😀"), 1 + 2 + 3 + 4);
    assert.ok(mountFits("$t/acme/", "a".repeat(65_535 - 8)));
    assert.ok(!mountFits("$t/acme/", "a".repeat(65_535 - 7)));
    assert.ok(!mountFits("$t/acme/", "€".repeat(21_843)));
  });
});
