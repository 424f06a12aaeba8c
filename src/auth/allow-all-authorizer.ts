/**
 * The default authorizer: every publish and subscribe is allowed. It does not implement
 * `authorizeReceive`, so deliveries are not checked at all.
 * @module
 */

import { type Authorizer, ALLOW, type Decision } from "../hooks/index.js";

export class AllowAllAuthorizer implements Authorizer {
  readonly name = "allow-all";

  authorizePublish(): Decision {
    return ALLOW;
  }

  authorizeSubscribe(): Decision {
    return ALLOW;
  }
}
