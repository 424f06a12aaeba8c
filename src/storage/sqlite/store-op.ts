/**
 * One change of the SQLite store: what a `put*` or `delete*` call of the `Store` interface asked for,
 * as read back from the change log (`change-log-reader.ts`) to be replayed.
 * @module
 */

import type {
  StoredInflight,
  StoredQueued,
  StoredSession,
  StoredSubscription,
  StoredWill,
} from "../../hooks/index.js";
import type { ApplicationMessage } from "../../session/index.js";

export type StoreOp =
  | { readonly kind: "putMessage"; readonly message: ApplicationMessage }
  | { readonly kind: "putSession"; readonly session: StoredSession }
  | { readonly kind: "deleteSession"; readonly clientId: string }
  | {
      readonly kind: "putSubscription";
      readonly clientId: string;
      readonly subscription: StoredSubscription;
    }
  | { readonly kind: "deleteSubscription"; readonly clientId: string; readonly topicFilter: string }
  | { readonly kind: "putInflight"; readonly clientId: string; readonly entry: StoredInflight }
  | { readonly kind: "deleteInflight"; readonly clientId: string; readonly packetId: number }
  | { readonly kind: "putQueued"; readonly clientId: string; readonly entry: StoredQueued }
  | { readonly kind: "deleteQueued"; readonly clientId: string; readonly seq: number }
  | { readonly kind: "putIncomingQos2"; readonly clientId: string; readonly packetId: number }
  | { readonly kind: "deleteIncomingQos2"; readonly clientId: string; readonly packetId: number }
  | { readonly kind: "putRetained"; readonly topic: string; readonly messageId: number }
  | { readonly kind: "deleteRetained"; readonly topic: string }
  | { readonly kind: "putWill"; readonly will: StoredWill }
  | { readonly kind: "deleteWill"; readonly clientId: string };
