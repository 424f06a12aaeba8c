/**
 * Built-in authenticators and authorizers, and the credential formats they use.
 * @module
 */

export { AllowAllAuthorizer } from "./allow-all-authorizer.js";
export { AnonymousAuthenticator, type AnonymousAuthenticatorOptions } from "./anonymous-authenticator.js";
export {
  API_KEY_PREFIX,
  generateApiKey,
  type GeneratedApiKey,
  hashApiKeySecret,
  parseApiKey,
} from "./api-key.js";
export { ApiKeyAuthenticator, type ApiKeyEntry, type ApiKeyInfo } from "./api-key-authenticator.js";
export { CertificateAuthenticator, certificateIdentity } from "./certificate-authenticator.js";
export { claimAt, nameList } from "./claims.js";
export {
  type ConfiguredAuthenticators,
  createAuthenticators,
  type ExternalAuthenticator,
} from "./create-authenticators.js";
export {
  addressOf,
  FailureBackoff,
  type FailureBackoffOptions,
  type FailureKeys,
} from "./failure-backoff.js";
export { JwtAuthenticator, type JwtAuthenticatorOptions, looksLikeJwt } from "./jwt-authenticator.js";
export {
  DEFAULT_SCRYPT,
  hashPassword,
  parsePasswordHash,
  passwordHashProblem,
  ScryptBoundsError,
  scryptMemory,
  type PasswordHash,
  type ScryptParameters,
  verifyPassword,
} from "./password-hash.js";
export { PasswordAuthenticator, type PasswordAuthenticatorOptions } from "./password-authenticator.js";
export { dummyPasswordHash, type PasswordVerifier, scryptVerifier } from "./password-verifier.js";
export {
  DEFAULT_PASSWORD_CHECK_LIMITS,
  isPasswordCheckRefusal,
  type PasswordCheckCounters,
  type PasswordCheckLimit,
  type PasswordCheckLimits,
  type PasswordCheckRefusal,
  passwordCheckLimits,
  PasswordChecks,
  type PasswordChecksOptions,
  threadPoolSize,
} from "./password-checks.js";
export {
  UnknownLoginAuthenticator,
  type UnknownLoginAuthenticatorOptions,
} from "./unknown-login-authenticator.js";
export { makePrincipal, type PrincipalFields } from "./principals.js";
