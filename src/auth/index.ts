/**
 * Built-in authenticators and authorizers.
 * @module
 */

export { AllowAllAuthorizer } from "./allow-all-authorizer.js";
export { AnonymousAuthenticator } from "./anonymous-authenticator.js";
