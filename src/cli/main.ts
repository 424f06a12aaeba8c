#!/usr/bin/env node
/**
 * The `switchboard` command: parses flags, loads and validates the configuration, starts the broker
 * and stops it cleanly on SIGTERM/SIGINT (v5 clients get DISCONNECT 0x8B; exit code 0). SIGHUP
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

  await new Promise<void>((resolve) => {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (signalled) {
        logger.warn({ signal }, "Second signal: exiting at once");
        process.exit(1);
      }
      signalled = true;
      logger.info({ signal }, "Shutting down");
      void switchboard.stop().then(resolve, (error: unknown) => {
        logger.error({ err: error }, "Error while shutting down");
        resolve();
      });
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
    // Reload the certificates of tls/wss listeners; connections stay (failures are logged)
    process.on("SIGHUP", () => {
      logger.info({ signal: "SIGHUP" }, "Reloading TLS certificates");
      switchboard.reloadCertificates();
    });
  });
  return 0;
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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
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
