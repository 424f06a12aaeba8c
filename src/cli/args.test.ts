import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cliFlags, helpText, parseArgs } from "./args.js";

describe("parseArgs()", () => {
  it("runs with no overrides when given no arguments", () => {
    assert.deepEqual(parseArgs([]), { kind: "run", overrides: {} });
  });

  it("reads every flag, as separate or = values", () => {
    assert.deepEqual(
      parseArgs(["--port", "1884", "--ws-port=8080", "--host", "0.0.0.0", "--config", "a.yaml"]),
      {
        kind: "run",
        configFile: "a.yaml",
        overrides: { port: 1884, wsPort: 8080, host: "0.0.0.0" },
      },
    );
  });

  it("accepts -c for --config and port 0", () => {
    assert.deepEqual(parseArgs(["-c", "/etc/switchboard.yaml", "--port", "0"]), {
      kind: "run",
      configFile: "/etc/switchboard.yaml",
      overrides: { port: 0 },
    });
  });

  it("returns help for --help and -h, even beside errors", () => {
    assert.deepEqual(parseArgs(["--help"]), { kind: "help" });
    assert.deepEqual(parseArgs(["-h", "--port", "x"]), { kind: "help" });
    assert.deepEqual(parseArgs(["--version", "--help"]), { kind: "help" });
  });

  it("returns version for --version", () => {
    assert.deepEqual(parseArgs(["--version"]), { kind: "version" });
  });

  it("names the flag when a port is not a number or out of range", () => {
    for (const value of ["http", "65536", "-1", "1.5", "", "0x10"]) {
      assert.deepEqual(parseArgs(["--port", value]), {
        kind: "error",
        message: `Option "--port" must be an integer from 0 to 65535: got "${value}"`,
      });
    }
    assert.deepEqual(parseArgs(["--ws-port=99999"]), {
      kind: "error",
      message: 'Option "--ws-port" must be an integer from 0 to 65535: got "99999"',
    });
  });

  it("reports a flag without its value", () => {
    assert.deepEqual(parseArgs(["--port"]), {
      kind: "error",
      message: 'Option "--port" needs a value: --port <n>',
    });
    assert.deepEqual(parseArgs(["--config", "--port", "1"]), {
      kind: "error",
      message: 'Option "--config" needs a value: --config <file.yaml>',
    });
  });

  it("reports unknown options, stray arguments, repeats and values given to switches", () => {
    const message = (argv: string[]) => {
      const result = parseArgs(argv);
      return result.kind === "error" ? result.message : result.kind;
    };
    assert.equal(message(["--prot", "1"]), 'Unknown option "--prot"');
    assert.equal(message(["-p=1"]), 'Unknown option "-p"');
    assert.equal(message(["switchboard.yaml"]), 'Unexpected argument "switchboard.yaml"');
    assert.equal(message(["--port", "1", "--port", "2"]), 'Option "--port" is given more than once');
    assert.equal(
      message(["-c", "a.yaml", "--config", "b.yaml"]),
      'Option "--config" is given more than once',
    );
    assert.equal(message(["--version=2"]), 'Option "--version" takes no value');
    assert.equal(message(["--host="]), 'Option "--host" must not be empty');
    assert.equal(message(["--config="]), 'Option "--config" must not be empty');
  });
});

describe("helpText()", () => {
  it("lists every flag, the environment variables and examples", () => {
    const text = helpText();
    assert.match(text, /^Usage: switchboard \[options\]/);
    for (const flag of cliFlags) assert.ok(text.includes(`--${flag.name}`), flag.name);
    assert.ok(text.includes("-c, --config <file.yaml>"));
    assert.ok(text.includes("SWITCHBOARD_<SECTION>__<KEY>"));
    assert.ok(text.includes("SWITCHBOARD_LISTENERS"));
    assert.ok(text.includes("Examples:"));
  });

  it("fits in 80 columns", () => {
    for (const line of helpText().split("\n")) assert.ok(line.length <= 80, line);
  });
});
