/**
 * Tenants' privacy settings applied to what leaves the broker: deliveries to clients, by tenant and
 * role, and the tenant's part of what bridges forward; their counters as `$SYS` topics (docs/privacy.md).
 * @module
 */

export {
  type PrivacyCountersEntry,
  PrivacySysTopics,
  type PrivacySysTopicsOptions,
  privacySysValues,
} from "./privacy-sys-topics.js";
export { TenantPrivacies, type TenantPrivaciesOptions } from "./tenant-privacies.js";
