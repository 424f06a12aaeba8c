/**
 * The TLS settings of a `tls` or `wss` listener: reading its PEM files into server options, checked by
 * building a secure context, so that a missing file, a bad PEM or a key that does not match the
 * certificate stops the start with a {@link TlsError} naming the listener and the file. The same
 * reading serves certificate reloads (`server.setSecureContext`), which keep established connections.
 * @module
 */

import { readFileSync } from "node:fs";
import { createSecureContext, type SecureContextOptions, type TlsOptions } from "node:tls";
import { TlsError } from "../errors.js";

/** What a listener's configuration says about TLS (`listeners[].tls`). */
export interface TlsSettings {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile?: string | undefined;
  readonly requestCert: boolean;
  readonly rejectUnauthorized: boolean;
  readonly minVersion: "TLSv1.2" | "TLSv1.3";
}

/** The secure-context part of the options (what a reload replaces). */
export function readSecureContext(listener: string, settings: TlsSettings): SecureContextOptions {
  const cert = readPem(listener, "certFile", settings.certFile);
  const key = readPem(listener, "keyFile", settings.keyFile);
  const ca = settings.caFile === undefined ? undefined : readPem(listener, "caFile", settings.caFile);
  const context: SecureContextOptions = {
    cert,
    key,
    minVersion: settings.minVersion,
    ...(ca === undefined ? {} : { ca }),
  };
  try {
    createSecureContext(context);
  } catch (cause) {
    throw new TlsError(`Cannot load TLS files of "${listener}": ${describeTlsError(cause)}`, {
      listener,
      cause,
    });
  }
  return context;
}

/** Server options: the secure context plus the client-certificate policy. */
export function readTlsServerOptions(listener: string, settings: TlsSettings): TlsOptions {
  return {
    ...readSecureContext(listener, settings),
    requestCert: settings.requestCert,
    // Without requestCert there is no client certificate to reject
    rejectUnauthorized: settings.requestCert && settings.rejectUnauthorized,
  };
}

function readPem(listener: string, key: string, file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "it is a directory"
            : String(cause);
    throw new TlsError(`Cannot load TLS files of "${listener}": cannot read "${key}" "${file}": ${why}`, {
      listener,
      cause,
    });
  }
  if (!text.includes("-----BEGIN "))
    throw new TlsError(`Cannot load TLS files of "${listener}": "${key}" "${file}" is not a PEM file`, {
      listener,
    });
  return text;
}

function describeTlsError(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  if (/key values mismatch/i.test(message)) return `the key does not match the certificate (${message})`;
  return message;
}
