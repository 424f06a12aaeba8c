/**
 * `POST /api/v1/privacy/preview` over real HTTP: each action's output (checked as valid JSON), a drop,
 * precise errors for a bad rule set or request, and administrators only.
 */

import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { type AdminBroker, startAdminBroker } from "./helpers/admin-broker.js";

const KEY = "a-secret-of-16-characters-or-more";

describe("admin API: privacy preview", () => {
  let broker: AdminBroker;
  before(async () => {
    broker = await startAdminBroker();
  });
  after(() => broker.stop());

  it("hashes, masks and allows, and says which rules fired where", async () => {
    const answer = await broker.call("POST", "/api/v1/privacy/preview", {
      body: {
        ruleSet: {
          rules: [
            { id: "staff", match: { regex: "@acme\\.example$" }, action: "allow", target: "value" },
            { id: "emails", match: { detector: "email" }, action: "hash" },
            { id: "phones", match: { key: "phone" }, action: "mask", keepLast: 4 },
          ],
        },
        sample: { organizer: "ada@example.com", host: "desk@acme.example", phone: "+44 20 7946 0958", n: 3 },
        hashKey: KEY,
      },
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.outcome, "keep");
    assert.equal(answer.body.changed, true);
    const expectedHash = createHmac("sha256", KEY).update("ada@example.com").digest("hex");
    assert.deepEqual(answer.body.output, {
      organizer: expectedHash,
      host: "desk@acme.example",
      phone: "************0958",
      n: 3,
    });
    assert.deepEqual(JSON.parse(JSON.stringify(answer.body.output)), answer.body.output);
    assert.deepEqual(
      answer.body.fired.map((f: { rule: string; action: string; at: string[] }) => [f.rule, f.action, f.at]),
      [
        ["staff", "allow", ["$.host"]],
        ["emails", "hash", ["$.organizer"]],
        ["phones", "mask", ["$.phone"]],
      ],
    );
  });

  it("answers a drop with the rule that dropped the event", async () => {
    const answer = await broker.call("POST", "/api/v1/privacy/preview", {
      body: {
        ruleSet: { rules: [{ id: "secrets", match: { key: "password" }, action: "drop" }] },
        sample: { user: "ada", password: "hunter2" },
      },
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.outcome, "drop");
    assert.deepEqual(answer.body.droppedBy, { rule: "secrets", index: 0 });
    assert.equal(answer.body.output, undefined);
  });

  it("refuses a bad rule set with a 400 naming every field at fault", async () => {
    const answer = await broker.call("POST", "/api/v1/privacy/preview", {
      body: {
        ruleSet: {
          rules: [
            { id: "a", match: { regex: "(unclosed" }, action: "hash" },
            { id: "b", match: { key: "x" }, action: "redact" },
          ],
        },
        sample: {},
        hashKey: KEY,
      },
    });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.code, "BAD_REQUEST");
    assert.match(answer.body.error.message, /"rules\[0\]\.match\.regex" is not a valid regular expression/);
    assert.match(answer.body.error.message, /"rules\[1\]\.action" must be one of/);
  });

  it("refuses a hash rule without any key, and a request without a sample", async () => {
    const keyless = await broker.call("POST", "/api/v1/privacy/preview", {
      body: { ruleSet: { rules: [{ id: "e", match: { detector: "email" }, action: "hash" }] }, sample: "x" },
    });
    assert.equal(keyless.status, 400);
    assert.match(keyless.body.error.message, /"rules\[0\]\.key" is required/);

    const noSample = await broker.call("POST", "/api/v1/privacy/preview", {
      body: { ruleSet: { rules: [] } },
    });
    assert.equal(noSample.status, 400);
    assert.match(noSample.body.error.message, /sample/);

    const unknownField = await broker.call("POST", "/api/v1/privacy/preview", {
      body: { ruleSet: { rules: [] }, sample: 1, colour: "red" },
    });
    assert.equal(unknownField.status, 400);
    assert.match(unknownField.body.error.message, /unknown field "colour"/);
  });

  it("is for administrators only", async () => {
    const body = { ruleSet: { rules: [] }, sample: 1 };
    assert.equal((await broker.call("POST", "/api/v1/privacy/preview", { body, key: null })).status, 401);
    assert.equal(
      (await broker.call("POST", "/api/v1/privacy/preview", { body, key: broker.keys.viewer })).status,
      403,
    );
  });
});
