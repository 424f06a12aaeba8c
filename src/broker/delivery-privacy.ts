/**
 * The privacy hook of deliveries to clients (docs/privacy.md): when set on the broker
 * (`Broker.privacy`), every PUBLISH to a client goes through it first, whatever brought it there (a
 * live delivery, a queued one sent when a persistent session comes back, a resend, a retained message
 * on subscribe). Unset (undefined) when no tenant has privacy settings: then a delivery costs one
 * property check.
 * @module
 */

import type { Principal } from "../hooks/index.js";
import type { ApplicationMessage } from "../session/index.js";

export interface DeliveryPrivacy {
  /**
   * The message as a client of `principal` may receive it: `message` itself, a copy with another
   * payload, or undefined when it is withheld from that client (the delivery is then dropped with
   * reason `privacy`, as if it had been delivered).
   */
  shown(message: ApplicationMessage, principal: Principal): ApplicationMessage | undefined;
}
