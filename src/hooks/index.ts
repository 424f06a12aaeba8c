/**
 * The plug-in boundary: the interfaces implementations provide (authenticators, authorizers, message
 * stages, stores, cluster buses) and the chain runner.
 * @module
 */

export type {
  AuthContinue,
  AuthenticationResult,
  Authenticated,
  Authenticator,
  AuthenticatorHost,
  AuthStep,
  ConnectAttempt,
  ContinueResult,
  PeerCertificate,
  SubjectAltName,
} from "./authenticator.js";
export {
  AuthenticationChain,
  type AuthExchange,
  type ChainResult,
  type PendingAuthentication,
} from "./authentication-chain.js";
export type { Authorizer, ClientIdentity, PublishRequest, SubscribeRequest } from "./authorizer.js";
export type { ClusterBus, ClusterEvents } from "./cluster-bus.js";
export {
  ALLOW,
  DEFER,
  deny,
  type Allow,
  type Decision,
  type Defer,
  type Deny,
  type DisconnectPolicy,
} from "./decision.js";
export { HookChain } from "./hook-chain.js";
export type {
  MessageStage,
  MessageStageHost,
  StageConsume,
  StageContinue,
  StageReject,
  StageResult,
} from "./message-stage.js";
export type { OutboxContents, OutboxEntry, OutboxStore } from "./outbox-store.js";
export type { RegistrySnapshot, RegistryStore, StoredEntity } from "./registry-store.js";
export { ANONYMOUS_PRINCIPAL, DEFAULT_TENANT, type Principal } from "./principal.js";
export type {
  Store,
  StoreFailure,
  StoreSnapshot,
  StoredInflight,
  StoredPublisher,
  StoredQueued,
  StoredSession,
  StoredSessionState,
  StoredSubscription,
  StoredWill,
} from "./store.js";
export { isPromise } from "./is-promise.js";
