import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import { compileRuleSet } from "./compile-rule-set.js";
import type { CompiledRuleSet } from "./compiled-rule-set.js";
import { MAX_DEPTH } from "./json-path.js";
import { nodeHmac } from "./node-hmac.js";
import { PrivacyCounters } from "./privacy-counters.js";
import { type ApplyOptions, PrivacyEngine, type PrivacyOutcome } from "./privacy-engine.js";

const TENANT_KEY = "tenant-acme-0123456789";
const OTHER_TENANT_KEY = "tenant-other-0123456789";

/** The expected hash, computed here rather than through the engine's port. */
function h(data: string, key = TENANT_KEY): string {
  return createHmac("sha256", key).update(data, "utf8").digest("hex");
}

function compile(input: unknown, id?: string): CompiledRuleSet {
  const result = compileRuleSet(input, id === undefined ? {} : { id });
  if (!result.ok) assert.fail(result.issues.map((i) => i.message).join("\n"));
  return result.ruleSet;
}

/** The output must be a JSON value: what JSON.stringify writes, JSON.parse gives back exactly. */
function assertValidJson(value: unknown): void {
  const text = JSON.stringify(value);
  assert.equal(typeof text, "string");
  assert.deepStrictEqual(JSON.parse(text), value);
}

function run(
  value: unknown,
  rules: CompiledRuleSet | readonly CompiledRuleSet[],
  options: ApplyOptions = { hashKey: TENANT_KEY },
  engine = new PrivacyEngine({ hmac: nodeHmac }),
): PrivacyOutcome {
  const before = JSON.stringify(value);
  const outcome = engine.apply(value, rules, options);
  assert.equal(JSON.stringify(value), before, "the input must not be changed");
  return outcome;
}

/** Applies `rules` (a rule set's JSON) and returns the published value, checked as valid JSON. */
function keep(value: unknown, rules: unknown, options?: ApplyOptions): unknown {
  const outcome = run(value, compile(rules), options);
  if (outcome.kind !== "keep") assert.fail(`dropped by ${JSON.stringify(outcome.rule)} (${outcome.reason})`);
  assertValidJson(outcome.value);
  return outcome.value;
}

function dropped(value: unknown, rules: unknown, options?: ApplyOptions) {
  const outcome = run(value, compile(rules), options);
  if (outcome.kind !== "drop") assert.fail(`kept as ${JSON.stringify(outcome.value)}`);
  return outcome;
}

function one(match: Record<string, unknown>, action: string, extra: Record<string, unknown> = {}) {
  return { rules: [{ match, action, ...extra }] };
}

const booking = {
  room: "Boardroom",
  organizer: { name: "Ada Lovelace", email: "ada@example.com", phone: "+44 20 7946 0958" },
  attendees: [
    { name: "Bob", email: "bob@example.com" },
    { name: "Eve", email: "eve@partner.org", contact: { email: "eve.private@mail.org" } },
  ],
  notes: "Call Bob on 415-555-2671 or write to bob@example.com",
  seats: 8,
};

describe("privacy engine: regex matches", () => {
  it("hashes every match inside every string, leaving the rest of the text", () => {
    const out = keep({ a: "id-123 and id-456", b: ["id-7"], c: 5 }, one({ regex: "id-\\d+" }, "hash"));
    assert.deepEqual(out, { a: `${h("id-123")} and ${h("id-456")}`, b: [h("id-7")], c: 5 });
  });

  it("masks matches, keeping the last characters asked for", () => {
    const out = keep(
      { card: "card 4111111111111111 ok" },
      one({ regex: "\\d{12,19}" }, "mask", { keepLast: 4 }),
    );
    assert.deepEqual(out, { card: "card ************1111 ok" });
  });

  it("drops the event when any string matches", () => {
    const outcome = dropped({ a: [{ b: "SECRET-1" }] }, one({ regex: "secret-\\d", flags: "i" }, "drop"));
    assert.equal(outcome.reason, "rule");
    assert.deepEqual(outcome.rule, { ruleSet: "rules", rule: "rules[0]", index: 0, action: "drop" });
    assert.equal(run({ a: "public" }, compile(one({ regex: "secret" }, "drop"))).kind, "keep");
  });

  it("exempts what an allow rule matches from the hash rules", () => {
    const out = keep("mail support@acme.example or ada@example.com", {
      rules: [
        { match: { detector: "email" }, action: "hash" },
        { match: { regex: "support@acme\\.example" }, action: "allow" },
      ],
    });
    assert.equal(out, `mail support@acme.example or ${h("ada@example.com")}`);
  });

  it("never matches numbers, booleans, null or object keys", () => {
    const value = { "123": 123, flag: true, none: null, list: [1, 2] };
    assert.deepEqual(keep(value, one({ regex: "\\d+" }, "hash")), value);
  });

  it("ignores empty matches", () => {
    assert.deepEqual(keep({ a: "ab12cd" }, one({ regex: "\\d*" }, "mask")), { a: "ab**cd" });
  });

  it("acts on the whole string with target value", () => {
    const out = keep(
      { from: "Ada <ada@example.com>", plain: "no address" },
      one({ detector: "email" }, "hash", { target: "value" }),
    );
    assert.deepEqual(out, { from: h("Ada <ada@example.com>"), plain: "no address" });
  });
});

describe("privacy engine: path matches", () => {
  it("hashes, masks, drops and allows the values a path selects", () => {
    assert.deepEqual(keep(booking, one({ path: "$.organizer.email" }, "hash")), {
      ...booking,
      organizer: { ...booking.organizer, email: h("ada@example.com") },
    });
    assert.deepEqual(keep(booking, one({ path: "$.organizer.phone" }, "mask", { keepLast: 4 })), {
      ...booking,
      organizer: { ...booking.organizer, phone: "************0958" },
    });
    assert.equal(dropped(booking, one({ path: "$.attendees[1].contact" }, "drop")).rule?.action, "drop");
    assert.equal(run(booking, compile(one({ path: "$.attendees[2]" }, "drop"))).kind, "keep");
    const allowed = keep(booking, {
      rules: [
        { match: { path: "$.attendees[*].email" }, action: "allow" },
        { match: { key: "email" }, action: "hash" },
      ],
    });
    assert.deepEqual(allowed, {
      ...booking,
      organizer: { ...booking.organizer, email: h("ada@example.com") },
      attendees: [
        booking.attendees[0],
        { ...booking.attendees[1], contact: { email: h("eve.private@mail.org") } },
      ],
    });
  });

  it("supports each form of the path subset", () => {
    const mask = (path: string) => keep(booking, one({ path }, "mask", { mask: "#", preserveLength: false }));
    assert.deepEqual((mask("$.attendees[0].name") as typeof booking).attendees[0], {
      name: "#",
      email: "bob@example.com",
    });
    assert.deepEqual(
      (mask("$.attendees[*].name") as typeof booking).attendees.map((a) => a.name),
      ["#", "#"],
    );
    assert.deepEqual(
      (mask("$..email") as typeof booking).attendees.map((a) => a.email),
      ["#", "#"],
    );
    assert.equal((mask("$['room']") as typeof booking).room, "#");
    assert.equal(mask("$"), "#");
  });

  it("hashes and masks non-string values as their JSON text, with members sorted", () => {
    const value = { loc: { lon: 2.5, lat: 48 }, count: 1234567, ok: true, none: null, tags: ["a", "b"] };
    const out = keep(value, {
      rules: [
        { match: { path: "$.loc" }, action: "hash" },
        { match: { path: "$.count" }, action: "mask", keepLast: 3 },
        { match: { path: "$.ok" }, action: "mask" },
        { match: { path: "$.none" }, action: "hash" },
        { match: { path: "$.tags" }, action: "mask", keepLast: 1 },
      ],
    });
    assert.deepEqual(out, {
      loc: h('{"lat":48,"lon":2.5}'),
      count: "****567",
      ok: "****",
      none: h("null"),
      tags: "********]",
    });
    // The same object with its members in another order hashes the same, so values still join.
    const reordered = keep({ loc: { lat: 48, lon: 2.5 } }, one({ path: "$.loc" }, "hash"));
    assert.deepEqual(reordered, { loc: h('{"lat":48,"lon":2.5}') });
  });
});

describe("privacy engine: key matches", () => {
  it("acts on every member of that name, at any depth", () => {
    const out = keep(booking, one({ key: "email" }, "mask", { mask: "x" })) as typeof booking;
    assert.equal(out.organizer.email, "xxxxxxxxxxxxxxx");
    assert.deepEqual(
      out.attendees.map((a) => a.email),
      ["xxxxxxxxxxxxxxx", "xxxxxxxxxxxxxxx"],
    );
    assert.equal(out.attendees[1]!.contact!.email, "xxxxxxxxxxxxxxxxxxxx");
    // the text is not a member named email, but the organizer's address quoted in it is hidden too
    assert.equal(out.notes, "Call Bob on 415-555-2671 or write to xxxxxxxxxxxxxxx");
  });

  it("hides a value it transformed where another string quotes it, and the texts inside an object", () => {
    const report = {
      error: { message: 'Invalid value. Position: [0]/value/badge. Value: "B-44119".' },
      data: [{ name: "access", value: { badge: "B-44119", door: 12345, ok: "no" } }],
      note: "door 12345 left open; ok",
    };
    const byKey = keep(report, one({ key: "badge" }, "hash")) as typeof report;
    assert.equal(byKey.data[0]!.value.badge, h("B-44119"));
    assert.equal(byKey.error.message, `Invalid value. Position: [0]/value/badge. Value: "${h("B-44119")}".`);
    assert.equal(byKey.note, report.note, "nothing else changes");
    const whole = keep(report, one({ key: "value" }, "hash")) as typeof report;
    const hashed = h(JSON.stringify({ badge: "B-44119", door: 12345, ok: "no" }));
    assert.equal(whole.error.message, `Invalid value. Position: [0]/value/badge. Value: "${hashed}".`);
    assert.equal(
      whole.note,
      `door ${hashed} left open; ok`,
      'a number inside it too; "no" is too short to be hidden',
    );
  });

  it("leaves the input as it is when a transformed value appears nowhere else", () => {
    const value = { badge: "B-44119", other: { text: "nothing here" } };
    const out = keep(value, one({ key: "badge" }, "hash")) as typeof value;
    assert.equal(out.other, value.other, "shared with the input");
  });

  it("hashes a whole object selected by key", () => {
    const out = keep(booking, one({ key: "organizer" }, "hash")) as Record<string, unknown>;
    assert.equal(out["organizer"], h(JSON.stringify(sortKeys(booking.organizer))));
  });

  it("drops the event when the key is present anywhere, and allows a subtree", () => {
    assert.equal(dropped({ a: [{ b: { password: "x" } }] }, one({ key: "password" }, "drop")).reason, "rule");
    assert.equal(run({ a: "password" }, compile(one({ key: "password" }, "drop"))).kind, "keep");
    const out = keep(booking, {
      rules: [
        { match: { key: "organizer" }, action: "allow" },
        { match: { detector: "email" }, action: "hash" },
      ],
    }) as typeof booking;
    assert.deepEqual(out.organizer, booking.organizer);
    assert.equal(out.attendees[0]!.email, h("bob@example.com"));
  });
});

describe("privacy engine: detectors", () => {
  it("hashes e-mail addresses and masks phone numbers wherever they are", () => {
    const out = keep(booking, {
      rules: [
        { match: { detector: "email" }, action: "hash" },
        { match: { detector: "phone" }, action: "mask", keepLast: 4 },
      ],
    });
    assert.deepEqual(out, {
      room: "Boardroom",
      organizer: { name: "Ada Lovelace", email: h("ada@example.com"), phone: "************0958" },
      attendees: [
        { name: "Bob", email: h("bob@example.com") },
        { name: "Eve", email: h("eve@partner.org"), contact: { email: h("eve.private@mail.org") } },
      ],
      notes: `Call Bob on ********2671 or write to ${h("bob@example.com")}`,
      seats: 8,
    });
  });

  it("drops on a detector, and allows what a detector finds", () => {
    assert.equal(dropped(booking, one({ detector: "phone" }, "drop")).rule?.rule, "rules[0]");
    assert.equal(
      run({ a: "no phone, 2024-01-15" }, compile(one({ detector: "phone" }, "drop"))).kind,
      "keep",
    );
    const out = keep("ada@example.com, 415-555-2671", {
      rules: [
        { match: { regex: "[0-9a-z@.-]+" }, action: "mask", mask: "?", preserveLength: false },
        { match: { detector: "email" }, action: "allow" },
      ],
    });
    assert.equal(out, "ada@example.com, ?");
  });

  it("finds text only inside the values a path or key selects", () => {
    const out = keep(booking, one({ path: "$.attendees", detector: "email" }, "hash")) as typeof booking;
    assert.equal(out.organizer.email, "ada@example.com");
    assert.equal(out.notes, booking.notes);
    assert.equal(out.attendees[0]!.email, h("bob@example.com"));
    assert.equal(out.attendees[1]!.contact!.email, h("eve.private@mail.org"));
    const byKey = keep(
      booking,
      one({ key: "notes", regex: "\\d{3}-\\d{3}-\\d{4}" }, "mask"),
    ) as typeof booking;
    assert.equal(byKey.notes, "Call Bob on ************ or write to bob@example.com");
    assert.equal(
      dropped(booking, one({ path: "$.notes", detector: "phone" }, "drop")).rule?.index,
      0,
      "a scoped drop",
    );
    assert.equal(run(booking, compile(one({ path: "$.attendees", detector: "phone" }, "drop"))).kind, "keep");
  });
});

describe("privacy engine: order of evaluation", () => {
  it("lets the first rule that reaches a value act on it", () => {
    const maskFirst = keep(booking, {
      rules: [
        { match: { key: "notes" }, action: "mask", mask: "-", preserveLength: false },
        { match: { detector: "email" }, action: "hash" },
      ],
    }) as typeof booking;
    assert.equal(maskFirst.notes, "-");
    // Reversed: the address is hashed first; the mask then covers the rest of the text, each
    // unclaimed stretch on its own.
    const hashFirst = keep(booking, {
      rules: [
        { match: { detector: "email" }, action: "hash" },
        { match: { key: "notes" }, action: "mask", mask: "-", preserveLength: false },
      ],
    }) as typeof booking;
    assert.equal(hashFirst.notes, `-${h("bob@example.com")}`);
  });

  it("applies allow rules before the others, whatever their position", () => {
    const out = keep(booking, {
      rules: [
        { match: { key: "email" }, action: "hash" },
        { match: { path: "$.organizer" }, action: "allow" },
      ],
    }) as typeof booking;
    assert.deepEqual(out.organizer, booking.organizer);
    assert.equal(out.attendees[0]!.email, h("bob@example.com"));
  });

  it("keeps an allowed part intact when a later rule selects a value around it", () => {
    const out = keep(booking, {
      rules: [
        { match: { path: "$.attendees[0].email" }, action: "allow" },
        { match: { path: "$.attendees" }, action: "hash" },
      ],
    }) as typeof booking;
    assert.deepEqual(out.attendees, [
      { name: h("Bob"), email: "bob@example.com" },
      h(JSON.stringify(sortKeys(booking.attendees[1]))),
    ]);
  });

  it("drops even what an allow rule exempts, and before any hashing", () => {
    const outcome = dropped(booking, {
      rules: [
        { match: { key: "organizer" }, action: "allow" },
        { match: { key: "organizer" }, action: "hash" },
        { id: "no-phones", match: { detector: "phone" }, action: "drop" },
      ],
    });
    assert.equal(outcome.rule?.rule, "no-phones");
    assert.deepEqual(
      outcome.fired.map((f) => f.rule.rule),
      ["no-phones"],
    );
  });
});

describe("privacy engine: hashing", () => {
  it("is deterministic, so the same value joins across events and positions", () => {
    const rules = compile(one({ detector: "email" }, "hash"));
    const first = run({ a: "ada@example.com" }, rules);
    const second = run({ b: ["see ada@example.com"] }, rules);
    assert.deepEqual(kept(first).value, { a: h("ada@example.com") });
    assert.deepEqual(kept(second).value, { b: [`see ${h("ada@example.com")}`] });
    assert.match(h("ada@example.com"), /^[0-9a-f]{64}$/);
  });

  it("differs per tenant key, and a rule's or a set's key takes precedence", () => {
    const rules = one({ path: "$.a" }, "hash");
    assert.deepEqual(keep({ a: "x" }, rules, { hashKey: TENANT_KEY }), { a: h("x", TENANT_KEY) });
    assert.deepEqual(keep({ a: "x" }, rules, { hashKey: OTHER_TENANT_KEY }), { a: h("x", OTHER_TENANT_KEY) });
    assert.notEqual(h("x", TENANT_KEY), h("x", OTHER_TENANT_KEY));
    const setKey = "set-key-0123456789";
    const ruleKey = "rule-key-0123456789";
    assert.deepEqual(
      keep(
        { a: "x", b: "x" },
        {
          key: setKey,
          rules: [
            { match: { path: "$.a" }, action: "hash" },
            { match: { path: "$.b" }, action: "hash", key: ruleKey },
          ],
        },
      ),
      { a: h("x", setKey), b: h("x", ruleKey) },
    );
  });

  it("fails closed: a keyless hash rule without a tenant key drops every event", () => {
    const counters = new PrivacyCounters();
    const engine = new PrivacyEngine({ hmac: nodeHmac, counters });
    const outcome = run({ nothing: "to hash" }, compile(one({ key: "email" }, "hash")), {}, engine);
    assert.deepEqual(dropSummary(outcome), { reason: "no-hash-key", rule: "rules[0]" });
    assert.equal(counters.snapshot().events.failed, 1);
    assert.equal(
      run({ a: "x" }, compile(one({ key: "a" }, "mask")), {}).kind,
      "keep",
      "no key needed to mask",
    );
  });
});

describe("privacy engine: output", () => {
  it("returns the input itself when no rule changes anything", () => {
    const outcome = run(booking, compile(one({ key: "ssn" }, "hash")));
    assert.equal(kept(outcome).value, booking);
    assert.equal(kept(outcome).changed, false);
    const allowedOnly = kept(run(booking, compile(one({ key: "email" }, "allow"))));
    assert.equal(allowedOnly.value, booking);
    assert.equal(allowedOnly.changed, false);
  });

  it("copies only the path to what changed, and keeps member order", () => {
    const outcome = run(booking, compile(one({ path: "$.organizer.email" }, "hash")));
    assert.equal(kept(outcome).changed, true);
    const out = kept(outcome).value as typeof booking;
    assert.equal(out.attendees, booking.attendees, "untouched subtrees are shared");
    assert.deepEqual(Object.keys(out), Object.keys(booking));
    assert.deepEqual(Object.keys(out.organizer), Object.keys(booking.organizer));
  });

  it("keeps a member named __proto__ an ordinary member", () => {
    const value = JSON.parse('{"__proto__": {"email": "ada@example.com"}, "a": 1}') as unknown;
    const out = keep(value, one({ detector: "email" }, "hash")) as Record<string, unknown>;
    assert.equal(Object.hasOwn(out, "__proto__"), true);
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.equal(JSON.stringify(out), `{"__proto__":{"email":"${h("ada@example.com")}"},"a":1}`);
  });

  it("masks by code point, never splitting a surrogate pair", () => {
    const out = keep({ a: "📞 call 😀😀" }, one({ path: "$.a" }, "mask", { keepLast: 2 }));
    assert.deepEqual(out, { a: "*******😀😀" });
    assert.deepEqual(
      keep({ a: "ab" }, one({ path: "$.a" }, "mask", { keepLast: 4 })),
      { a: "**" },
      "never all kept",
    );
  });

  it("handles a value that is a bare string, number or array", () => {
    assert.equal(keep("ada@example.com", one({ detector: "email" }, "mask")), "***************");
    assert.equal(keep(4155552671, one({ path: "$" }, "mask", { keepLast: 2 })), "********71");
    assert.deepEqual(keep([["ada@example.com"]], one({ path: "$[0][0]" }, "hash")), [[h("ada@example.com")]]);
  });

  it(`drops a value nested deeper than ${MAX_DEPTH} levels instead of failing`, () => {
    let deep: unknown = "ada@example.com";
    for (let i = 0; i < MAX_DEPTH + 5; i++) deep = [deep];
    const outcome = run(deep, compile(one({ detector: "email" }, "hash")));
    assert.deepEqual(dropSummary(outcome), { reason: "too-deep", rule: undefined });
  });
});

describe("privacy engine: metadata", () => {
  it("protects a PlaceOS metadata payload (a zone's model) and a state payload", () => {
    const metadata = {
      time: 1_735_689_600_000,
      value: {
        id: "zone-lvl-24",
        name: "Level 24",
        description: "Facilities: facilities@acme.example, +61 2 9876 5432",
        tags: ["level"],
        location: { lat: -33.86, lon: 151.21 },
        owner: { name: "Grace Hopper", email: "grace@acme.example", badge: 4411 },
        parent_id: "zone-bld-1",
      },
    };
    const rules = {
      id: "metadata",
      rules: [
        { id: "internal-mailboxes", match: { regex: "facilities@acme\\.example" }, action: "allow" },
        { id: "emails", match: { detector: "email" }, action: "hash" },
        { id: "phones", match: { detector: "phone" }, action: "mask", keepLast: 4 },
        {
          id: "owner",
          match: { path: "$.value.owner.name" },
          action: "mask",
          mask: "[redacted]",
          preserveLength: false,
        },
        { id: "badge", match: { key: "badge" }, action: "hash" },
        { id: "secrets", match: { key: "password" }, action: "drop" },
      ],
    };
    const out = keep(metadata, rules);
    assert.deepEqual(out, {
      time: 1_735_689_600_000,
      value: {
        id: "zone-lvl-24",
        name: "Level 24",
        description: "Facilities: facilities@acme.example, ***********5432",
        tags: ["level"],
        location: { lat: -33.86, lon: 151.21 },
        owner: { name: "[redacted]", email: h("grace@acme.example"), badge: h("4411") },
        parent_id: "zone-bld-1",
      },
    });
    const state = { time: 1_735_689_600_000, value: { booked_by: "ada@example.com", password: "hunter2" } };
    assert.equal(dropped(state, rules).rule?.rule, "secrets");
  });
});

describe("privacy engine: several rule sets", () => {
  it("applies them in order, each to the output of the one before", () => {
    const tenant = compile(one({ detector: "email" }, "hash"), "tenant");
    const bridge = compile(
      {
        rules: [
          { match: { detector: "email" }, action: "allow" },
          { match: { key: "name" }, action: "mask", mask: "*" },
        ],
      },
      "bridge",
    );
    const outcome = run({ name: "Ada", email: "ada@example.com" }, [tenant, bridge]);
    // The bridge's allow cannot bring back what the tenant's rules hashed.
    assert.deepEqual(kept(outcome).value, { name: "***", email: h("ada@example.com") });
    assert.deepEqual(
      outcome.fired.map((f) => `${f.rule.ruleSet}/${f.rule.rule}`),
      ["tenant/rules[0]", "bridge/rules[1]"],
    );
    const dropping = compile(one({ key: "name" }, "drop"), "role");
    assert.equal(run({ name: "Ada" }, [tenant, dropping]).kind, "drop");
  });
});

describe("privacy engine: counters and traces", () => {
  it("counts outcomes, and per rule and action the events and values", () => {
    const counters = new PrivacyCounters();
    const engine = new PrivacyEngine({ hmac: nodeHmac, counters });
    const rules = compile(
      {
        id: "crm",
        rules: [
          { id: "emails", match: { detector: "email" }, action: "hash" },
          { id: "names", match: { key: "name" }, action: "mask" },
          { id: "ours", match: { regex: "@acme\\.example$" }, action: "allow", target: "value" },
          { id: "secrets", match: { key: "password" }, action: "drop" },
        ],
      },
      "crm",
    );
    run({ a: "a@x.io b@y.io", name: "Ada", me: "me@acme.example" }, rules, undefined, engine);
    run({ nothing: 1 }, rules, undefined, engine);
    run({ password: "x" }, rules, undefined, engine);
    run({ a: "c@z.io" }, rules, undefined, engine);
    const snapshot = counters.snapshot();
    assert.deepEqual(snapshot.events, { evaluated: 4, unchanged: 1, modified: 2, dropped: 1, failed: 0 });
    assert.deepEqual(snapshot.rules, [
      { ruleSet: "crm", rule: "ours", action: "allow", fired: 1, values: 1 },
      { ruleSet: "crm", rule: "emails", action: "hash", fired: 2, values: 3 },
      { ruleSet: "crm", rule: "names", action: "mask", fired: 1, values: 1 },
      { ruleSet: "crm", rule: "secrets", action: "drop", fired: 1, values: 1 },
    ]);
    assert.deepEqual(snapshot.actions, {
      hash: { fired: 2, values: 3 },
      mask: { fired: 1, values: 1 },
      drop: { fired: 1, values: 1 },
      allow: { fired: 1, values: 1 },
    });
    run({ a: "d@z.io" }, rules, undefined, engine);
    assert.equal(snapshot.rules[1]!.fired, 2, "a snapshot is a copy");
    assert.equal(counters.snapshot().rules[1]!.fired, 3);
  });

  it("records where each rule acted when tracing", () => {
    const outcome = run(booking, compile(one({ detector: "email" }, "hash")), {
      hashKey: TENANT_KEY,
      trace: true,
    });
    assert.deepEqual(outcome.fired, [
      {
        rule: { ruleSet: "rules", rule: "rules[0]", index: 0, action: "hash" },
        count: 5,
        at: [
          "$.organizer.email",
          "$.attendees[0].email",
          "$.attendees[1].email",
          "$.attendees[1].contact.email",
          "$.notes",
        ],
      },
    ]);
    const quiet = run(booking, compile(one({ detector: "email" }, "hash")));
    assert.equal(quiet.fired[0]!.at, undefined);
  });
});

/** The outcome, which must be a keep. */
function kept(outcome: PrivacyOutcome): Extract<PrivacyOutcome, { kind: "keep" }> {
  if (outcome.kind !== "keep") assert.fail(`the event should be kept, not dropped (${outcome.reason})`);
  return outcome;
}

/** Why the outcome, which must be a drop, dropped, and by which rule. */
function dropSummary(outcome: PrivacyOutcome) {
  if (outcome.kind !== "drop")
    assert.fail(`the event should be dropped, not kept as ${JSON.stringify(outcome.value)}`);
  return { reason: outcome.reason, rule: outcome.rule?.rule };
}

/** `value` with object members sorted at every level, as hashes see it. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  return value;
}
