/**
 * The command line: `switchboard [--config <file.yaml>] [--port <n>] [--ws-port <n>] [--host <addr>]`,
 * plus `--help` and `--version`, and the credential helpers `switchboard hash-password` and
 * `switchboard generate-api-key <id>`. Parsing returns a value (never throws and never exits), so `main.ts`
 * decides what to print and with which exit status.
 * @module
 */

import type { ConfigOverrides } from "../config/index.js";

/** One command-line flag; the help text and `docs/configuration.md` are generated from these. */
export interface CliFlag {
  /** Long name, without the leading `--`. */
  readonly name: string;
  /** One-letter alias, without the leading `-`. */
  readonly short?: string;
  /** Placeholder for the flag's value, when it takes one. */
  readonly value?: string;
  readonly description: string;
}

export const cliFlags: readonly CliFlag[] = [
  {
    name: "config",
    short: "c",
    value: "file.yaml",
    description: "Read the configuration from this YAML file.",
  },
  {
    name: "port",
    value: "n",
    description: "Port of the first tcp listener (added when none is configured); 0 picks a free port.",
  },
  {
    name: "ws-port",
    value: "n",
    description:
      "Port of the first WebSocket listener; when none is configured, one is added on the tcp listener's host, path /mqtt.",
  },
  {
    name: "host",
    value: "addr",
    description:
      "Address the first tcp listener (and the --ws-port listener) binds, e.g. 0.0.0.0 for every IPv4 interface.",
  },
  { name: "help", short: "h", description: "Print this help and exit." },
  { name: "version", description: "Print the version and exit." },
];

export type ParsedArgs =
  | { readonly kind: "run"; readonly configFile?: string; readonly overrides: ConfigOverrides }
  /** `switchboard hash-password`: hash the password read from standard input for `auth.users`. */
  | { readonly kind: "hash-password" }
  /** `switchboard generate-api-key <id>`: print a new API key and its hash for `auth.apiKeys`. */
  | { readonly kind: "generate-api-key"; readonly id: string }
  | { readonly kind: "help" }
  | { readonly kind: "version" }
  | { readonly kind: "error"; readonly message: string };

/**
 * Parses the command-line arguments (without the node and script paths). `--help` wins over
 * `--version`, and both over errors.
 * @example
 * ```ts
 * parseArgs(["--port", "1884", "-c", "switchboard.yaml"]);
 * // { kind: "run", configFile: "switchboard.yaml", overrides: { port: 1884 } }
 * parseArgs(["--port", "http"]);
 * // { kind: "error", message: 'Option "--port" must be an integer from 0 to 65535: got "http"' }
 * ```
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const command = argv[0];
  if (command === "hash-password" || command === "generate-api-key")
    return parseCommand(command, argv.slice(1));
  const values = new Map<string, string | true>();
  let error: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const match = /^(?:--([^=]+)|-([^-=]))(?:=(.*))?$/s.exec(arg);
    const flag = match && cliFlags.find((f) => f.name === match[1] || (match[2] && f.short === match[2]));
    let problem: string | undefined;
    if (!match) problem = `Unexpected argument "${arg}"`;
    else if (!flag) problem = `Unknown option "${arg.split("=")[0] ?? arg}"`;
    else if (values.has(flag.name)) problem = `Option "--${flag.name}" is given more than once`;
    else if (flag.value === undefined) {
      if (match[3] === undefined) values.set(flag.name, true);
      else problem = `Option "--${flag.name}" takes no value`;
    } else {
      let value = match[3];
      if (value === undefined) {
        const next = argv[i + 1];
        // A value may not start with "-" (that is the next option), except a negative number.
        if (next !== undefined && (!next.startsWith("-") || /^-\d/.test(next))) {
          value = next;
          i++;
        }
      }
      if (value === undefined)
        problem = `Option "--${flag.name}" needs a value: --${flag.name} <${flag.value}>`;
      else values.set(flag.name, value);
    }
    error ??= problem;
  }
  if (values.has("help")) return { kind: "help" };
  if (values.has("version")) return { kind: "version" };
  if (error !== undefined) return { kind: "error", message: error };
  return toRun(values);
}

/** The credential helpers: `hash-password` (no arguments) and `generate-api-key <id>`. */
function parseCommand(command: "hash-password" | "generate-api-key", rest: readonly string[]): ParsedArgs {
  if (rest.includes("--help") || rest.includes("-h")) return { kind: "help" };
  if (command === "hash-password") {
    if (rest.length === 0) return { kind: "hash-password" };
    return {
      kind: "error",
      message: `"hash-password" takes no arguments (it reads the password from standard input)`,
    };
  }
  const id = rest[0];
  if (rest.length !== 1 || id === undefined)
    return { kind: "error", message: `"generate-api-key" needs exactly one argument: the key id` };
  if (!/^[A-Za-z0-9-]{1,64}$/.test(id))
    return {
      kind: "error",
      message: `Cannot use "${id}" as an API key id: use 1 to 64 letters, digits or dashes`,
    };
  return { kind: "generate-api-key", id };
}

function toRun(values: ReadonlyMap<string, string | true>): ParsedArgs {
  const text = (name: string): string | undefined => {
    const value = values.get(name);
    return typeof value === "string" ? value : undefined;
  };
  const port = parsePort("port", text("port"));
  const wsPort = parsePort("ws-port", text("ws-port"));
  const host = text("host");
  const configFile = text("config");
  for (const result of [port, wsPort])
    if (typeof result === "string") return { kind: "error", message: result };
  if (host === "") return { kind: "error", message: 'Option "--host" must not be empty' };
  if (configFile === "") return { kind: "error", message: 'Option "--config" must not be empty' };
  const overrides: ConfigOverrides = {
    ...(typeof port === "number" ? { port } : {}),
    ...(typeof wsPort === "number" ? { wsPort } : {}),
    ...(host === undefined ? {} : { host }),
  };
  return configFile === undefined ? { kind: "run", overrides } : { kind: "run", configFile, overrides };
}

/** The port, undefined when the flag is absent, or an error message. */
function parsePort(flag: string, value: string | undefined): number | string | undefined {
  if (value === undefined) return undefined;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (port >= 0 && port <= 65_535) return port;
  return `Option "--${flag}" must be an integer from 0 to 65535: got "${value}"`;
}

/** Columns the help text fits in. */
const HELP_WIDTH = 80;

/** Splits `text` into lines of at most `width` characters, at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines;
}

/** The `--help` text (80 columns): usage, options, environment variables and examples. */
export function helpText(): string {
  const labels = cliFlags.map((flag) => {
    const short = flag.short === undefined ? "    " : `-${flag.short}, `;
    return `${short}--${flag.name}${flag.value === undefined ? "" : ` <${flag.value}>`}`;
  });
  const width = Math.max(...labels.map((label) => label.length)) + 2;
  const options = cliFlags.map((flag, i) => {
    const [first = "", ...rest] = wrap(flag.description, HELP_WIDTH - width - 2);
    return [
      `  ${(labels[i] ?? "").padEnd(width)}${first}`,
      ...rest.map((line) => " ".repeat(width + 2) + line),
    ];
  });
  return [
    "Usage: switchboard [options]",
    "       switchboard hash-password",
    "       switchboard generate-api-key <id>",
    "",
    "Switchboard, an MQTT 5 broker. Without configuration it listens on",
    "127.0.0.1:1883 only and accepts anonymous clients, as Mosquitto 2 does.",
    "",
    "Options:",
    ...options.flat(),
    "",
    "Environment:",
    "  SWITCHBOARD_<SECTION>__<KEY>  Sets one configuration key, written in",
    "                                UPPER_SNAKE case: SWITCHBOARD_LOG__LEVEL=debug,",
    "                                SWITCHBOARD_MQTT__RECEIVE_MAXIMUM=100.",
    "  SWITCHBOARD_LISTENERS         The listeners, as a JSON array.",
    "  A SWITCHBOARD_* variable that names no key is an error.",
    "",
    "Commands:",
    "  hash-password           Read a password from standard input and print its",
    "                          scrypt hash for auth.users[].password.",
    "  generate-api-key <id>   Print a new random API key (give it to the client)",
    "                          and its hash (for auth.apiKeys[].hash).",
    "",
    "Signals: SIGHUP reloads the certificates of tls and wss listeners.",
    "",
    "Precedence (lowest first): defaults, configuration file, environment, options.",
    "Every key is described in docs/configuration.md.",
    "",
    "Examples:",
    "  switchboard",
    "      Listen on 127.0.0.1:1883.",
    "  switchboard --config /etc/switchboard/switchboard.yaml",
    "      Use a configuration file.",
    "  switchboard --port 1884 --ws-port 8080",
    "      MQTT on 127.0.0.1:1884, MQTT over WebSocket on ws://127.0.0.1:8080/mqtt.",
    "  SWITCHBOARD_AUTH__ALLOW_ANONYMOUS=true switchboard --host 0.0.0.0",
    "      Listen on every IPv4 interface and still accept anonymous clients.",
    "",
  ].join("\n");
}
