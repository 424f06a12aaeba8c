/**
 * Tenants: the mount scheme that keeps each tenant's topics apart inside one broker.
 * @module
 */

export {
  clientTopicOf,
  DOLLAR_MOUNT_ROOT,
  isMountNamespace,
  isSysTopic,
  MAX_TENANT_ID_LENGTH,
  MOUNT_ROOT,
  mountFits,
  mountOf,
  prefixFor,
  ROOT_MOUNT,
  tenantIdError,
  tenantOfTopic,
  unmountTopic,
  utf8Length,
  type MountedMessage,
  type TenantMount,
} from "./tenant-mount.js";
