/**
 * The Redis input of module state: PSUBSCRIBEs the configured pattern (`status/*`) and hands every
 * message on `status/<module_id>/<key>` (the key's new value as JSON, as PlaceOS drivers write it) to
 * a sink, which records it and emits the `state` envelope (`setModuleState`), with the message as the
 * value's text (PlaceOS publishes it as it came). Off unless `dialects.placeos.redis.enabled`.
 *
 * The connection is made in the background and kept up by ioredis (reconnecting with a growing delay
 * up to 5 s, subscribing again after a reconnect); the broker starts whether Redis is up or not.
 * Connection failures are logged once per outage. A message the sink refuses (an unknown module, a bad
 * key) or that is not JSON is counted and logged: as a warning the first time for its channel, at debug
 * level after that.
 * @module
 */

import { Redis } from "ioredis";
import type { Logger } from "../../observability/index.js";
import { parseStatusChannel, parseStatusValue, patternPrefix, type StatusUpdate } from "./status-channel.js";

/** What the sink answers: accepted, or refused with a reason. */
export type StatusSinkResult =
  { readonly ok: true } | { readonly ok: false; readonly problem: { readonly message: string } };

export interface RedisStateInputOptions {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS. */
  readonly url: string;
  /** A literal prefix ending in `*` (default `status/*`). */
  readonly pattern: string;
  readonly sink: (update: StatusUpdate) => StatusSinkResult;
  readonly logger: Logger;
}

export interface RedisInputCounts {
  /** Messages received on the pattern. */
  received: number;
  /** Accepted by the sink. */
  accepted: number;
  /** Not JSON, not a status channel, or refused by the sink. */
  refused: number;
}

const MAX_WARNED_CHANNELS = 1024;
const STOP_TIMEOUT = 2000;

export class RedisStateInput {
  readonly name = "redis";
  readonly url: string;
  readonly pattern: string;
  readonly counts: RedisInputCounts = { received: 0, accepted: 0, refused: 0 };
  /** Resolves once the first PSUBSCRIBE is acknowledged; rejects if the input stops before. */
  readonly ready: Promise<void>;
  readonly #prefix: string;
  readonly #sink: RedisStateInputOptions["sink"];
  readonly #logger: Logger;
  readonly #warned = new Set<string>();
  #client: Redis | undefined;
  #resolveReady!: () => void;
  #rejectReady!: (error: Error) => void;
  #subscribed = false;
  #failing = false;

  /** Throws a RangeError for a pattern that is not a literal prefix followed by `*`. */
  constructor(options: RedisStateInputOptions) {
    const prefix = patternPrefix(options.pattern);
    if (prefix === undefined)
      throw new RangeError(
        `The Redis pattern "${options.pattern}" must be a literal prefix ending in "*" (e.g. "status/*")`,
      );
    this.url = options.url;
    this.pattern = options.pattern;
    this.#prefix = prefix;
    this.#sink = options.sink;
    this.#logger = options.logger.child({ input: "redis" });
    this.ready = new Promise<void>((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.ready.catch(() => undefined); // nobody has to wait for it
  }

  start(): void {
    if (this.#client !== undefined) return;
    const client = new Redis(this.url, {
      maxRetriesPerRequest: null, // the PSUBSCRIBE waits for the connection, however long it takes
      retryStrategy: (attempt) => Math.min(attempt * 200, 5000),
      connectionName: "switchboard-placeos-status",
    });
    this.#client = client;
    // the bytes, not ioredis's strings (decoded leniently: ill-formed UTF-8 would become U+FFFD)
    client.on("pmessageBuffer", (_pattern: Buffer, channel: Buffer, message: Buffer) =>
      this.#bytes(channel, message),
    );
    client.on("error", (error: Error) => {
      if (this.#failing) return;
      this.#failing = true;
      this.#logger.warn(
        { err: error, url: redactUrl(this.url) },
        "Redis input: cannot reach Redis; retrying in the background",
      );
    });
    client.on("ready", () => {
      if (!this.#failing) return;
      this.#failing = false;
      this.#logger.info({ url: redactUrl(this.url) }, "Redis input: connected again");
    });
    client.psubscribe(this.pattern).then(
      () => {
        this.#subscribed = true;
        this.#logger.info(
          { url: redactUrl(this.url), pattern: this.pattern },
          "Redis input: taking module state from Redis",
        );
        this.#resolveReady();
      },
      (error: unknown) => {
        if (this.#client === undefined) return; // stopped
        this.#logger.error({ err: error, pattern: this.pattern }, "Redis input: PSUBSCRIBE failed");
      },
    );
  }

  /** Whether the pattern is subscribed (it stays so across reconnections). */
  get subscribed(): boolean {
    return this.#subscribed;
  }

  async stop(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (!this.#subscribed) this.#rejectReady(new Error("The Redis input stopped before it subscribed"));
    if (client === undefined || client.status === "end") return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, STOP_TIMEOUT);
      timer.unref();
      client.once("end", () => {
        clearTimeout(timer);
        resolve();
      });
      client.disconnect();
    });
  }

  #bytes(channel: Buffer, message: Buffer): void {
    let channelText: string;
    let messageText: string;
    try {
      channelText = strict.decode(channel);
      messageText = strict.decode(message);
    } catch {
      this.counts.received++;
      this.#refused(lenient.decode(channel), "not UTF-8");
      return;
    }
    this.#message(channelText, messageText);
  }

  #message(channel: string, message: string): void {
    this.counts.received++;
    const parsed = parseStatusChannel(this.#prefix, channel);
    if (typeof parsed === "string") {
      this.#refused(channel, parsed);
      return;
    }
    const value = parseStatusValue(message);
    if ("error" in value) {
      this.#refused(channel, value.error);
      return;
    }
    let result: StatusSinkResult;
    try {
      result = this.#sink({
        moduleId: parsed.moduleId,
        key: parsed.key,
        value: value.value,
        valueText: value.text,
      });
    } catch (error) {
      this.counts.refused++;
      this.#logger.error({ err: error, channel }, "Redis input: the module state could not be applied");
      return;
    }
    if (result.ok) this.counts.accepted++;
    else this.#refused(channel, result.problem.message);
  }

  #refused(channel: string, reason: string): void {
    this.counts.refused++;
    const first = !this.#warned.has(channel) && this.#warned.size < MAX_WARNED_CHANNELS;
    if (first) this.#warned.add(channel);
    const message = `Redis input: ignored a message on "${channel}": ${reason}`;
    if (first) this.#logger.warn({ channel, reason }, message);
    else this.#logger.debug({ channel, reason }, message);
  }
}

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lenient = new TextDecoder();

/** The URL without its password, for logs. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable URL)";
  }
}
