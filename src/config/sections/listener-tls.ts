/**
 * `listeners[].tls`: the certificate, key and client-certificate settings of `tls` and `wss`
 * listeners. Files are read when the listener starts and again on SIGHUP.
 * @module
 */

import { type JsonSchema, type PropertiesOf, valuesOf } from "../schema-support.js";

export type TlsVersion = "TLSv1.2" | "TLSv1.3";

export interface ListenerTlsConfig {
  /** PEM certificate chain of the server. */
  readonly certFile: string;
  /** PEM private key of the server. */
  readonly keyFile: string;
  /** PEM bundle of the CAs that client certificates must chain to. */
  readonly caFile?: string;
  /** Whether clients are asked for a certificate. */
  readonly requestCert: boolean;
  /** With `requestCert`: whether a client without a trusted certificate is refused during the handshake. */
  readonly rejectUnauthorized: boolean;
  readonly minVersion: TlsVersion;
}

const tlsVersions = valuesOf<TlsVersion>({ "TLSv1.2": 0, "TLSv1.3": 0 });

const tlsProperties: PropertiesOf<ListenerTlsConfig> = {
  certFile: {
    type: "string",
    minLength: 1,
    description: "PEM file with the server's certificate, followed by any intermediate certificates.",
  },
  keyFile: {
    type: "string",
    minLength: 1,
    description: "PEM file with the server's private key (unencrypted).",
  },
  caFile: {
    type: "string",
    minLength: 1,
    "x-default": "none",
    description:
      "PEM file with the CA certificates client certificates must chain to; required with `requestCert`.",
  },
  requestCert: {
    type: "boolean",
    default: false,
    description:
      "Whether clients are asked for a certificate (mutual TLS). A verified certificate can then authenticate the client (`auth.certificates`).",
  },
  rejectUnauthorized: {
    type: "boolean",
    default: true,
    description:
      "With `requestCert`: whether the TLS handshake fails for a client that sends no certificate or one `caFile` does not verify. `false` makes the certificate optional: such clients connect, without a certificate identity, and must authenticate otherwise.",
  },
  minVersion: {
    type: "string",
    enum: tlsVersions,
    default: "TLSv1.2",
    description: "Oldest TLS version accepted.",
  },
};

export const listenerTlsSchema: JsonSchema = {
  type: "object",
  description:
    "`tls` and `wss` listeners only (and required there): the server certificate and client certificate settings. The files are read at start and again on SIGHUP, without dropping connections.",
  additionalProperties: false,
  required: ["certFile", "keyFile"],
  properties: tlsProperties,
};
