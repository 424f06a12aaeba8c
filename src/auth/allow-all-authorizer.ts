/**
 * The default authorizer: every publish and subscribe is allowed. It does not implement
 * `authorizeReceive`, so deliveries are not checked at all.
 * @module
 */

import type { Authorizer } from "../hooks/authorizer.js";
import { ALLOW, type Decision } from "../hooks/decision.js";

export class AllowAllAuthorizer implements Authorizer {
  readonly name = "allow-all";

  authorizePublish(): Decision {
    return ALLOW;
  }

  authorizeSubscribe(): Decision {
    return ALLOW;
  }
}
