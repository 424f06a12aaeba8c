import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  ClusterError,
  ConfigError,
  errorCodes,
  ListenError,
  listenError,
  PluginError,
  StoreError,
  SwitchboardError,
} from "./errors.js";

const errorsMd = readFileSync(new URL("../docs/errors.md", import.meta.url), "utf8");

/** `## CODE` headings of docs/errors.md, each with the first paragraph under it. */
function documentedCodes(): Map<string, string> {
  const sections = new Map<string, string>();
  for (const match of errorsMd.matchAll(/^## (\S+)\n\n([^\n]+)/gm))
    sections.set(match[1] ?? "", match[2] ?? "");
  return sections;
}

describe("errorCodes", () => {
  it("lists exactly the codes documented in docs/errors.md", () => {
    assert.deepEqual([...documentedCodes().keys()].sort(), Object.keys(errorCodes).sort());
  });

  it("has each description as the first line of the code's section in docs/errors.md", () => {
    const documented = documentedCodes();
    for (const [code, description] of Object.entries(errorCodes)) {
      assert.equal(documented.get(code), description, `docs/errors.md section ${code}`);
    }
  });

  it("has every code in the table of contents of docs/errors.md", () => {
    for (const code of Object.keys(errorCodes)) {
      assert.ok(errorsMd.includes(`- [${code}](#${code.toLowerCase()})`), `${code} missing from the list`);
    }
  });

  it("uses the SB_ERR_ prefix and one-line descriptions", () => {
    for (const [code, description] of Object.entries(errorCodes)) {
      assert.match(code, /^SB_ERR_[A-Z_]+$/);
      assert.doesNotMatch(description, /\n|\.$/);
    }
  });
});

describe("SwitchboardError", () => {
  it("carries its code and cause", () => {
    const cause = new Error("disk full");
    const error = new SwitchboardError("Cannot commit", { code: "SB_ERR_STORE", cause });
    assert.equal(error.code, "SB_ERR_STORE");
    assert.equal(error.cause, cause);
    assert.equal(error.name, "SwitchboardError");
    assert.ok(error instanceof Error);
  });

  it("has no cause property when given none", () => {
    assert.equal("cause" in new SwitchboardError("x", { code: "SB_ERR_STORE" }), false);
  });

  it("subclasses have their own name and code", () => {
    const cases: [SwitchboardError, string, string][] = [
      [new ConfigError("x"), "ConfigError", "SB_ERR_CONFIG_INVALID"],
      [new ConfigError("x", { code: "SB_ERR_CONFIG_FILE" }), "ConfigError", "SB_ERR_CONFIG_FILE"],
      [new ListenError("x", { listener: "tcp:1883" }), "ListenError", "SB_ERR_LISTEN"],
      [new StoreError("x"), "StoreError", "SB_ERR_STORE"],
      [new ClusterError("x"), "ClusterError", "SB_ERR_CLUSTER"],
      [new PluginError("x", { plugin: "jwt" }), "PluginError", "SB_ERR_PLUGIN"],
    ];
    for (const [error, name, code] of cases) {
      assert.ok(error instanceof SwitchboardError);
      assert.equal(error.name, name);
      assert.equal(error.code, code);
      assert.ok(String(error).startsWith(`${name}: `));
    }
  });
});

describe("ConfigError.fromIssues()", () => {
  it("writes one issue on one line, with its source in parentheses", () => {
    const error = ConfigError.fromIssues([
      {
        path: "log.level",
        message: '"log.level" must be one of "info"',
        source: "from SWITCHBOARD_LOG__LEVEL",
      },
    ]);
    assert.equal(
      error.message,
      'Invalid configuration: "log.level" must be one of "info" (from SWITCHBOARD_LOG__LEVEL)',
    );
    assert.equal(error.issues.length, 1);
  });

  it("writes several issues one per line", () => {
    const error = ConfigError.fromIssues([
      { path: "a", message: "first", source: "in a.yaml" },
      { path: "", message: "second", source: undefined },
    ]);
    assert.equal(error.message, "Invalid configuration:\n  - first (in a.yaml)\n  - second");
  });
});

describe("listenError()", () => {
  const listener = { name: "tcp:1883", host: "127.0.0.1", port: 1883 };

  it("explains EADDRINUSE and keeps the cause", () => {
    const cause = Object.assign(new Error("listen EADDRINUSE: address already in use"), {
      code: "EADDRINUSE",
    });
    const error = listenError(listener, cause);
    assert.equal(
      error.message,
      'Cannot listen on "tcp:1883" (127.0.0.1:1883): the address is already in use',
    );
    assert.equal(error.code, "SB_ERR_LISTEN");
    assert.equal(error.listener, "tcp:1883");
    assert.equal(error.cause, cause);
  });

  it("explains EACCES and brackets IPv6 hosts", () => {
    const cause = Object.assign(new Error("listen EACCES"), { code: "EACCES" });
    const error = listenError({ name: "ws", host: "::1", port: 80 }, cause);
    assert.equal(
      error.message,
      'Cannot listen on "ws" ([::1]:80): permission denied (ports below 1024 need privileges)',
    );
  });

  it("falls back to the cause's message", () => {
    assert.match(listenError(listener, new Error("boom")).message, /: boom$/);
  });
});
