/**
 * Test certificates made with `openssl` (EC P-256, valid two days) in a temporary directory: a trusted
 * CA, a server certificate for localhost/127.0.0.1, client certificates signed by it, and an untrusted
 * CA with a client certificate of its own.
 * @module
 */

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface CertificateFiles {
  readonly cert: string;
  readonly key: string;
}

export interface Pki {
  readonly dir: string;
  /** The trusted CA (`caFile` of the listeners). */
  readonly ca: CertificateFiles;
  readonly server: CertificateFiles;
  /** Issues a certificate signed by the trusted CA (or `by`). */
  issue(name: string, options: IssueOptions): CertificateFiles;
  /** A CA the broker does not trust. */
  readonly rogueCa: CertificateFiles;
  read(file: string): string;
  remove(): void;
}

export interface IssueOptions {
  readonly cn: string;
  /** e.g. `URI:spiffe://acme/device-1,email:dev@acme.test`. */
  readonly san?: string;
  readonly by?: CertificateFiles;
  /** Extended key usage, default clientAuth. */
  readonly usage?: "clientAuth" | "serverAuth";
}

function openssl(args: readonly string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
}

function makeCa(dir: string, name: string): CertificateFiles {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  openssl(
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"].concat([
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "2",
      "-subj",
      `/CN=${name}`,
    ]),
  );
  return { cert, key };
}

/** Creates the test PKI; call `remove()` when done. */
export function createPki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), "switchboard-pki-"));
  const ca = makeCa(dir, "Test CA");
  const rogueCa = makeCa(dir, "Rogue CA");
  const issue = (name: string, options: IssueOptions): CertificateFiles => {
    const key = join(dir, `${name}.key`);
    const csr = join(dir, `${name}.csr`);
    const cert = join(dir, `${name}.pem`);
    const ext = join(dir, `${name}.ext`);
    const signer = options.by ?? ca;
    const lines = [`extendedKeyUsage=${options.usage ?? "clientAuth"}`];
    if (options.san !== undefined) lines.push(`subjectAltName=${options.san}`);
    writeFileSync(ext, `${lines.join("\n")}\n`);
    openssl(
      ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key].concat([
        "-out",
        csr,
        "-subj",
        `/CN=${options.cn}/O=Switchboard tests`,
      ]),
    );
    openssl(
      ["x509", "-req", "-in", csr, "-CA", signer.cert, "-CAkey", signer.key, "-CAcreateserial"].concat([
        "-out",
        cert,
        "-days",
        "2",
        "-extfile",
        ext,
      ]),
    );
    return { cert, key };
  };
  const server = issue("server", { cn: "localhost", san: "DNS:localhost,IP:127.0.0.1", usage: "serverAuth" });
  return {
    dir,
    ca,
    server,
    rogueCa,
    issue,
    read: (file) => readFileSync(file, "utf8"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
