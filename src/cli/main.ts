#!/usr/bin/env node
/**
 * The `switchboard` command: parses flags, loads and validates the configuration, starts the broker
 * and stops it on SIGTERM/SIGINT (v5 clients get DISCONNECT 0x8B; exit code 0, or 1 when a step of the
 * shutdown failed, such as the store's last commit on a full disk: every step runs all the same). SIGHUP
 * reloads the certificates of `tls` and `wss` listeners. `switchboard hash-password` and
 * `switchboard generate-api-key <id>` make credentials for the configuration file.
 * @module
 */

import { pino } from "pino";
import { generateApiKey, hashPassword } from "../auth/index.js";
import { loadConfig } from "../config/index.js";
import { SwitchboardError } from "../errors.js";
import { startSwitchboard } from "../main.js";
import { VERSION } from "../version.js";
import { helpText, parseArgs } from "./args.js";

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  switch (args.kind) {
    case "help":
      process.stdout.write(helpText());
      return 0;
    case "version":
      process.stdout.write(`switchboard ${VERSION}\n`);
      return 0;
    case "error":
      process.stderr.write(`${args.message}\nRun "switchboard --help" for usage.\n`);
      return 2;
    case "hash-password": {
      const password = await readPassword();
      if (password === "") {
        process.stderr.write("switchboard: no password on standard input\n");
        return 2;
      }
      process.stdout.write(`${await hashPassword(password)}\n`);
      return 0;
    }
    case "generate-api-key": {
      const { key, hash } = generateApiKey(args.id);
      process.stdout.write(`key: ${key}\nhash: ${hash}\n`);
      return 0;
    }
    case "run":
      break;
  }

  const config = loadConfig({
    ...(args.configFile === undefined ? {} : { file: args.configFile }),
    env: process.env,
    overrides: args.overrides,
  });
  const logger = pino({ level: config.log.level, base: { service: "switchboard" } });
  const switchboard = await startSwitchboard({ config, logger });

  return new Promise<number>((resolve) => {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (signalled) {
        logger.warn({ signal }, "Second signal: exiting at once");
        process.exit(1);
      }
      signalled = true;
      logger.info({ signal }, "Shutting down");
      // every step of the shutdown has run either way, and each failure was logged with its code
      void switchboard.stop().then(
        () => resolve(0),
        () => {
          logger.error("The shutdown was not clean (the errors above): exiting with status 1");
          resolve(1);
        },
      );
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
    // Reload the certificates of tls/wss listeners; connections stay (failures are logged)
    process.on("SIGHUP", () => {
      logger.info({ signal: "SIGHUP" }, "Reloading TLS certificates");
      switchboard.reloadCertificates();
    });
  });
}

/** The first line of standard input (a terminal echoes it: pipe the password in, e.g. from a file). */
async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write("Password: ");
  let text = "";
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes("\n")) break;
  }
  return text.split(/\r?\n/)[0] ?? "";
}

/**
 * How long the process may outlive `main()`: nothing should keep it alive once the broker has stopped,
 * but should a handle (a socket, a timer of a plug-in) still do so, the process ends all the same, as an
 * operator or a service manager expects after SIGTERM.
 */
const EXIT_GRACE_MS = 5000;

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => {
      process.stderr.write("switchboard: still running after stopping (an open handle): exiting\n");
      process.exit(code);
    }, EXIT_GRACE_MS).unref();
  },
  (error: unknown) => {
    if (error instanceof SwitchboardError) {
      process.stderr.write(`switchboard: ${error.message}\n`);
    } else {
      process.stderr.write(
        `switchboard: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
    }
    process.exitCode = 1;
  },
);
