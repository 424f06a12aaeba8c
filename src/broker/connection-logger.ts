/**
 * A connection's logger, made only when a line is actually written.
 *
 * A pino child logger (with its bindings rendered into a string) costs several hundred bytes, and
 * every connection logs "Client connected" at `info`, which production runs usually do not write
 * (`log.level: warn`). This facade asks the broker's logger whether a level is enabled (pino's
 * `isLevelEnabled`; a logger without it is taken to write everything) and creates the child with the
 * connection's bindings on the first line that is written, so an idle connection keeps one small
 * object instead.
 * @module
 */

import type { Logger } from "../observability/index.js";

type Level = "trace" | "debug" | "info" | "warn" | "error" | "fatal";

interface LevelAware {
  isLevelEnabled?(level: string): boolean;
}

/** Where the connection came from, for its log lines. */
export interface LogOrigin {
  readonly transport: { readonly remoteAddress: string };
  readonly listener: { readonly name: string };
}

export class ConnectionLogger implements Logger {
  readonly #root: Logger;
  readonly #origin: LogOrigin;
  #clientId: string | undefined = undefined;
  #child: Logger | undefined = undefined;

  constructor(root: Logger, origin: LogOrigin) {
    this.#root = root;
    this.#origin = origin;
  }

  /** Lines from now on carry `clientId` (set once CONNECT names it). */
  bindClientId(clientId: string): void {
    if (this.#child === undefined) this.#clientId = clientId;
    else this.#child = this.#child.child({ clientId });
  }

  trace(objOrMsg: object | string, msg?: string): void {
    this.#write("trace", objOrMsg, msg);
  }

  debug(objOrMsg: object | string, msg?: string): void {
    this.#write("debug", objOrMsg, msg);
  }

  info(objOrMsg: object | string, msg?: string): void {
    this.#write("info", objOrMsg, msg);
  }

  warn(objOrMsg: object | string, msg?: string): void {
    this.#write("warn", objOrMsg, msg);
  }

  error(objOrMsg: object | string, msg?: string): void {
    this.#write("error", objOrMsg, msg);
  }

  fatal(objOrMsg: object | string, msg?: string): void {
    this.#write("fatal", objOrMsg, msg);
  }

  child(bindings: Record<string, unknown>): Logger {
    return this.#logger().child(bindings);
  }

  /** The child logger with the connection's bindings (created now if it was not yet). */
  #logger(): Logger {
    if (this.#child !== undefined) return this.#child;
    const { transport, listener } = this.#origin;
    const bindings: Record<string, unknown> = { remote: transport.remoteAddress, listener: listener.name };
    if (this.#clientId !== undefined) bindings["clientId"] = this.#clientId;
    this.#child = this.#root.child(bindings);
    return this.#child;
  }

  #write(level: Level, objOrMsg: object | string, msg: string | undefined): void {
    if (this.#child === undefined && (this.#root as LevelAware).isLevelEnabled?.(level) === false) return;
    const logger = this.#logger();
    if (typeof objOrMsg === "string") logger[level](objOrMsg);
    else logger[level](objOrMsg, msg);
  }
}
