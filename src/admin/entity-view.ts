/**
 * Registry entities as the admin API shows them: secrets never leave the broker. Users show
 * `hasPassword` instead of their hash, devices their credentials without hashes, API keys no hash,
 * outbound brokers their password, private key and privacy keys as `***` and no `secret`, tenants
 * their privacy keys (`hashKey`, rule set keys) as `***`.
 * @module
 */

import type { EntityKind, EntityOf } from "../platform/registry/index.js";
import { brokerView } from "./broker-input.js";
import { tenantView } from "./tenant-privacy-input.js";

export function entityView<K extends EntityKind>(kind: K, entity: EntityOf[K]): Record<string, unknown> {
  switch (kind) {
    case "users": {
      const { passwordHash, ...user } = entity as EntityOf["users"];
      return { ...user, hasPassword: passwordHash !== undefined };
    }
    case "devices": {
      const device = entity as EntityOf["devices"];
      return {
        ...device,
        credentials: device.credentials.map((c) =>
          c.kind === "password" ? { kind: c.kind, username: c.username } : { kind: c.kind },
        ),
      };
    }
    case "apiKeys": {
      const { hash: _hash, ...key } = entity as EntityOf["apiKeys"];
      return key;
    }
    case "brokers":
      return brokerView(entity as EntityOf["brokers"]);
    case "tenants":
      return tenantView(entity as EntityOf["tenants"]);
    default:
      return { ...entity };
  }
}
