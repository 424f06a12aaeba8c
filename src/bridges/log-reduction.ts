/**
 * The log line of an outbox reduction that was not an acknowledgement: nothing leaves a bridge's outbox
 * unnoticed. Coalescing is a warning, a drop an error (the bounds are too small), an expiry debug.
 * @module
 */

import type { Logger } from "../observability/index.js";
import type { Outbox, OutboxReduction } from "./outbox.js";

export function logReduction(log: Logger, reduction: OutboxReduction, outbox: Outbox): void {
  const fields = { queued: outbox.size, bytes: outbox.bytes };
  switch (reduction.kind) {
    case "coalesced":
      log.warn(
        { ...fields, coalesced: reduction.count, total: outbox.coalesced, reason: reduction.reason },
        reduction.reason === "age"
          ? "Bridge outbox: messages older than outbox.maxAge coalesced to the latest value of their topic"
          : "Bridge outbox over its bounds: coalesced to the latest value per topic",
      );
      return;
    case "dropped":
      log.error(
        { ...fields, topic: reduction.topic, total: outbox.dropped },
        "Bridge outbox over its bounds with one message per topic: the oldest message was dropped",
      );
      return;
    case "expired":
      log.debug({ topic: reduction.topic }, "Bridge outbox: message expired before it was sent");
      return;
  }
}
