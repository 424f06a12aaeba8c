import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createDetector } from "./detectors.js";
import type { DetectorName } from "./privacy-rule-set.js";

/** Every piece of `text` the detector finds, left to right. */
function found(name: DetectorName, text: string): string[] {
  const detector = createDetector(name);
  const span = { start: 0, end: 0 };
  const out: string[] = [];
  let from = 0;
  while (detector.find(text, from, span)) {
    out.push(text.slice(span.start, span.end));
    from = span.end;
  }
  return out;
}

describe("email detector", () => {
  const addresses = [
    "ada@example.com",
    "Ada.Lovelace+work@mail.example.co.uk",
    "ADA@EXAMPLE.COM",
    "bob_smith-1@sub.domain.io",
    "first.middle.last@example.org",
    "x%y@example.net",
    "josé.garcía@correo.españa.es",
    "用户@例子.广告",
    "user@xn--80ak6aa92e.com",
  ];

  it("finds an address that is the whole value", () => {
    for (const address of addresses) assert.deepEqual(found("email", address), [address], address);
  });

  it("finds addresses inside text, without the punctuation around them", () => {
    assert.deepEqual(found("email", "Contact: <ada@example.com>."), ["ada@example.com"]);
    assert.deepEqual(found("email", "mailto:bob@example.io?subject=hi"), ["bob@example.io"]);
    assert.deepEqual(found("email", "2 emails: a@x.io, b@y.io"), ["a@x.io", "b@y.io"]);
    assert.deepEqual(found("email", '"Ada" (ada@example.com) wrote'), ["ada@example.com"]);
    assert.deepEqual(found("email", "https://x.com/u/ada@x.com"), ["ada@x.com"]);
    assert.deepEqual(found("email", "see.ada@x.com"), ["see.ada@x.com"]);
    assert.deepEqual(found("email", "Write to ada@x.com."), ["ada@x.com"]);
  });

  it("finds nothing in what is not an address", () => {
    for (const text of [
      "",
      "no address here",
      "a@b.c",
      "ada@localhost",
      "@ada",
      "ada@",
      "ada at example dot com",
      "x@y.z1",
      "ada.@x.com",
      "ada@-x.com",
      "foo@bar.com1",
      "price: 5@3.50",
      "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    ]) {
      assert.deepEqual(found("email", text), [], text);
    }
  });

  it("stays fast on long hostile input", () => {
    const started = performance.now();
    for (const text of [
      "a.".repeat(50_000) + "@",
      "a".repeat(100_000) + "@",
      "x@" + "a.".repeat(50_000) + "1",
    ])
      assert.deepEqual(found("email", text), []);
    assert.ok(performance.now() - started < 1_000, "took more than a second");
  });
});

describe("phone detector", () => {
  const numbers = [
    "+1 415 555 2671",
    "+44 20 7946 0958",
    "+4915112345678",
    "(415) 555-2671",
    "415-555-2671",
    "415.555.2671",
    "020 7946 0958",
    "0412 345 678",
    "+61 (2) 9876 5432",
    "+1 (415) 555-2671",
    "01 23 45 67 89",
    "+33 1 23 45 67 89",
  ];

  it("finds numbers in the usual national and international formats", () => {
    for (const number of numbers) assert.deepEqual(found("phone", number), [number], number);
  });

  it("finds numbers inside text", () => {
    assert.deepEqual(found("phone", "Call 415-555-2671 or 415-555-2672."), ["415-555-2671", "415-555-2672"]);
    assert.deepEqual(found("phone", "tel:+33 1 23 45 67 89"), ["+33 1 23 45 67 89"]);
    assert.deepEqual(found("phone", "mobile: (415) 555-2671, ext"), ["(415) 555-2671"]);
  });

  it("finds nothing in dates, times, addresses, versions, amounts, ids and digests", () => {
    for (const text of [
      "2024-01-15",
      "2024-01-15T10:00:00Z",
      "15.01.2024",
      "10:30:00",
      "192.168.100.200",
      "3.14159265",
      "12345",
      "1700000000000",
      "4155552671",
      "v1.2.3",
      "Room 4.12",
      "1 000 000 000",
      "4111 1111 1111 1111",
      "abc4155552671",
      "555-2671",
      "+5 points",
      "3 - 4 - 5",
      "123e4567-e89b-12d3-a456-426614174000",
      "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    ]) {
      assert.deepEqual(found("phone", text), [], text);
    }
  });

  it("stays fast on long hostile input", () => {
    const started = performance.now();
    for (const text of ["1 ".repeat(50_000), "1-2.3 ".repeat(20_000), "+".repeat(100_000) + "1"])
      assert.deepEqual(found("phone", text), []);
    assert.ok(performance.now() - started < 1_000, "took more than a second");
  });
});
