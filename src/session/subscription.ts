/**
 * A client's subscription as the session keeps it.
 * @module
 */

import type { QoS, RetainHandling } from "../protocol/index.js";

export interface Subscription {
  /** As the client sent it, including any `$share/<group>/` prefix; the key in the session. */
  readonly topicFilter: string;
  /** The filter that is matched against topics (without the share prefix). */
  readonly filter: string;
  readonly shareGroup: string | undefined;
  /** The QoS granted. */
  readonly qos: QoS;
  readonly noLocal: boolean;
  readonly retainAsPublished: boolean;
  readonly retainHandling: RetainHandling;
  readonly subscriptionIdentifier: number | undefined;
}
