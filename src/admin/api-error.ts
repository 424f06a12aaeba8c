/**
 * Errors of the admin API: every failed request is answered `{"error": {"code", "message"}}` with the
 * status of its code (`apiErrorCodes` in src/errors.ts, documented in docs/errors.md). Handlers throw
 * {@link ApiError}; schema failures are described field by field from ajv's error (first failure only:
 * the message names it precisely).
 * @module
 */

import type { FastifyError } from "fastify";
import { type ApiErrorCode, apiErrorCodes, StoreError } from "../errors.js";
import type { StoreFailure } from "../hooks/index.js";
import type { RegistryProblem } from "../platform/registry/index.js";

/** A refusal of one request, with the code that gives its HTTP status. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly code: ApiErrorCode;

  constructor(code: ApiErrorCode, message: string) {
    super(message);
    this.code = code;
  }

  get status(): number {
    return apiErrorCodes[this.code][0];
  }

  toJSON(): { readonly error: { readonly code: ApiErrorCode; readonly message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

const problemCodes: Readonly<Record<RegistryProblem["code"], ApiErrorCode>> = {
  invalid: "BAD_REQUEST",
  unprocessable: "UNPROCESSABLE",
  "not-found": "NOT_FOUND",
  conflict: "CONFLICT",
};

export function fromProblem(problem: RegistryProblem): ApiError {
  return new ApiError(problemCodes[problem.code], problem.message);
}

/**
 * The refusal of a write while the store is failing (`Store.failure`), before anything changed: a
 * change the store cannot save would be lost by a restart, and the client could not tell.
 */
export function storeUnavailable(failure: StoreFailure): ApiError {
  return new ApiError(
    "STORE_UNAVAILABLE",
    `Nothing was changed: the store cannot save changes (${failure.message}); try again once it recovers`,
  );
}

/**
 * Waits for the commit of a change already applied (the registry and the broker change their state at
 * once, then commit). A store that fails meanwhile is a 503 that says the change is applied, so a retry
 * answered 409 (the id is taken) is explained: `change` names it, e.g. `Device "d-1" is created`.
 */
export async function committed(commit: Promise<void>, change: string): Promise<void> {
  try {
    await commit;
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    throw new ApiError(
      "STORE_UNAVAILABLE",
      `${change}, but the store cannot save it yet (${error.message}): it is applied, and saved once the store recovers (a restart before then loses it)`,
    );
  }
}

/** What ajv reports (the fields the messages use; `verbose` adds `data` and `parentSchema`). */
interface SchemaFailure {
  readonly keyword: string;
  readonly instancePath: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message?: string;
  readonly data?: unknown;
  readonly parentSchema?: Readonly<Record<string, unknown>>;
}

const parts: Readonly<Record<string, string>> = {
  body: "body",
  querystring: "query",
  params: "path",
  headers: "headers",
};

/** `/credentials/0/username` -> `credentials[0].username`. */
function fieldPath(instancePath: string, extra?: string): string {
  const segments = instancePath.split("/").slice(1);
  if (extra !== undefined) segments.push(extra);
  return segments
    .map((segment, i) => (/^\d+$/.test(segment) ? `[${segment}]` : i === 0 ? segment : `.${segment}`))
    .join("")
    .replace(/^\./, "");
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** A one-line description of a schema failure, naming the field and the rule. */
export function describeSchemaFailure(context: string, failure: SchemaFailure): string {
  const where = parts[context] ?? context;
  const field = fieldPath(failure.instancePath);
  const subject = field === "" ? (where === "body" ? "the body" : `the ${where}`) : `"${field}"`;
  const kind = where === "body" ? "field" : "parameter";
  const p = failure.params;
  switch (failure.keyword) {
    case "additionalProperties":
      return `Invalid ${where}: unknown ${kind} "${fieldPath(failure.instancePath, String(p["additionalProperty"]))}"`;
    case "required":
      return `Invalid ${where}: missing ${kind} "${fieldPath(failure.instancePath, String(p["missingProperty"]))}"`;
    case "type":
      if (where === "body" && field === "")
        return `Invalid body: expected a JSON object${failure.data === undefined || failure.data === null ? "" : `, not ${show(failure.data)}`}`;
      return `Invalid ${where}: ${subject} must be ${String(p["type"]).replace(",", " or ")}${failure.data === undefined ? "" : `, not ${show(failure.data)}`}`;
    case "pattern": {
      const words = failure.parentSchema?.["x-pattern-description"];
      return `Invalid ${where}: ${subject} ${show(failure.data)} ${typeof words === "string" ? words : `must match ${String(p["pattern"])}`}`;
    }
    case "enum":
      return `Invalid ${where}: ${subject} must be one of ${(p["allowedValues"] as unknown[]).map(show).join(", ")}, not ${show(failure.data)}`;
    case "minProperties":
      return `Invalid ${where}: ${subject} must have at least ${String(p["limit"])} field`;
    case "uniqueItems":
      return `Invalid ${where}: ${subject} must not repeat an item (items ${Math.min(Number(p["i"]), Number(p["j"]))} and ${Math.max(Number(p["i"]), Number(p["j"]))} are equal)`;
    default:
      return `Invalid ${where}: ${subject} ${failure.message ?? "is invalid"}`;
  }
}

/** The API error for an error fastify (or a handler) raised. */
export function toApiError(error: FastifyError | ApiError | Error): ApiError {
  if (error instanceof ApiError) return error;
  // a commit no route awaits through committed(): whether its change is applied is not known here
  if (error instanceof StoreError)
    return new ApiError(
      "STORE_UNAVAILABLE",
      `The store cannot save changes (${error.message}); try again once it recovers`,
    );
  const fastifyError = error as FastifyError & { validationContext?: string };
  const failure = fastifyError.validation?.[0] as SchemaFailure | undefined;
  if (failure !== undefined)
    return new ApiError(
      "BAD_REQUEST",
      describeSchemaFailure(fastifyError.validationContext ?? "body", failure),
    );
  switch (fastifyError.statusCode) {
    case 413:
      return new ApiError("PAYLOAD_TOO_LARGE", "The request body is too large (admin.bodyLimit)");
    case 414:
      return new ApiError("URI_TOO_LONG", "A path parameter is too long (at most 8,192 characters, escaped)");
    case 415:
      return new ApiError("UNSUPPORTED_MEDIA_TYPE", `Unsupported content type: send "application/json"`);
    case 400:
      return new ApiError(
        "BAD_REQUEST",
        fastifyError.code === "FST_ERR_BAD_URL"
          ? `Invalid URL: ${fastifyError.message}`
          : `Invalid body: ${fastifyError.message}`,
      );
    case 404:
      return new ApiError("NOT_FOUND", fastifyError.message);
    default:
      return new ApiError("INTERNAL_ERROR", "Internal error");
  }
}
