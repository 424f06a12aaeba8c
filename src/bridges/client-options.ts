/**
 * The MQTT.js options of a bridge's connection.
 *
 * TLS is verified unless `insecureSkipVerify` is set explicitly: the server certificate must chain to
 * the configured CA (or, without one, to Node's trusted roots, which `NODE_EXTRA_CA_CERTS` extends) and
 * name the server: SNI and the name check use `servername`, else `host` (for an IP address, Node checks
 * the certificate's IP addresses and sends no SNI, as RFC 6066 requires). With certificate
 * authentication the client certificate and key are presented (mutual TLS); an encrypted key is
 * decrypted here with its passphrase.
 *
 * MQTT.js's own reconnection is off (`reconnectPeriod: 0`): the bridge makes a new client per
 * attempt, with its own backoff, and resends from its outbox, so MQTT.js keeps no state of its own
 * between connections. Sessions are clean: what was not acknowledged is resent from the outbox.
 * @module
 */

import { createPrivateKey } from "node:crypto";
import { isIP } from "node:net";
import type { IClientOptions } from "mqtt";
import type { BridgeConfig } from "./bridge-config.js";

export function clientOptions(config: BridgeConfig): IClientOptions {
  const options: IClientOptions = {
    protocol: config.tls ? "mqtts" : "mqtt",
    host: config.host,
    port: config.port,
    clientId: config.clientId,
    protocolVersion: config.protocolVersion,
    clean: true,
    keepalive: config.keepAlive,
    connectTimeout: config.connectTimeout * 1000,
    reconnectPeriod: 0,
    resubscribe: false,
    queueQoSZero: false,
  };
  const auth = config.auth;
  if (auth.kind === "user_password") {
    options.username = auth.username;
    options.password = auth.password;
  }
  if (!config.tls) return options;
  options.rejectUnauthorized = !config.insecureSkipVerify;
  const servername = config.servername ?? (isIP(config.host) === 0 ? config.host : undefined);
  if (servername !== undefined) options.servername = servername;
  if (config.ca !== undefined) options.ca = config.ca;
  if (auth.kind === "certificate") {
    options.cert = auth.certificate;
    options.key =
      auth.passphrase === undefined
        ? auth.privateKey
        : createPrivateKey({ key: auth.privateKey, passphrase: auth.passphrase }).export({
            type: "pkcs8",
            format: "pem",
          });
    if (auth.username !== undefined) options.username = auth.username;
  }
  return options;
}
