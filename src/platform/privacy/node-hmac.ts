/**
 * The {@link Hmac} port over node:crypto.
 * @module
 */

import { createHmac } from "node:crypto";
import type { Hmac } from "./hmac.js";

/** HMAC-SHA256 of `data` under `key`, both UTF-8, as lowercase hex. */
export const nodeHmac: Hmac = (key, data) => createHmac("sha256", key).update(data, "utf8").digest("hex");
