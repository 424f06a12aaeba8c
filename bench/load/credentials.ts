/**
 * The user name and password each client sends in CONNECT when the broker authenticates clients
 * (`LoadSpec.clientAuth`): a JWT signed here, in the generator, with the bench's own key pair (the broker
 * was given the public key), `sub` = the client id, the roles of a publisher or a subscriber.
 * @module
 */

import { createPrivateKey } from "node:crypto";
import { SignJWT } from "jose";
import type { ClientAuth } from "../lib/types.js";

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** Signs the clients' tokens: one per client id, the client id as the user name. */
export class CredentialIssuer {
  readonly #auth: ClientAuth;
  readonly #key;

  constructor(auth: ClientAuth) {
    this.#auth = auth;
    this.#key = createPrivateKey(auth.privateKeyPem);
  }

  async credentials(clientId: string, role: "publisher" | "subscriber"): Promise<Credentials> {
    const auth = this.#auth;
    const roles = role === "publisher" ? auth.publisherRoles : auth.subscriberRoles;
    const token = await new SignJWT({ roles: [...roles] })
      .setProtectedHeader({ alg: auth.algorithm, typ: "JWT" })
      .setSubject(clientId)
      .setIssuer(auth.issuer)
      .setAudience(auth.audience)
      .setIssuedAt()
      .setExpirationTime(`${auth.expiresInSeconds}s`)
      .sign(this.#key);
    return { username: clientId, password: token };
  }
}

/** No credentials when `auth` is undefined. */
export async function credentialsFor(
  issuer: CredentialIssuer | undefined,
  clientId: string,
  role: "publisher" | "subscriber",
): Promise<Partial<Credentials>> {
  return issuer === undefined ? {} : issuer.credentials(clientId, role);
}
