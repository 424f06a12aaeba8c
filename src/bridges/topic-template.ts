/**
 * Remote topics: a bridge forwards the message published on `topic` by tenant `tenant` to
 * `template` with `{topic}` and `{tenant}` replaced (`site-1/{tenant}/{topic}`: `acme`'s `plant/1`
 * goes to `site-1/acme/plant/1`). The template is split once; rendering joins its parts, so a
 * topic containing the text `{tenant}` is never expanded twice.
 *
 * Internal topics are the broker's tenant-mounted ones (`$t/acme/plant/1`, `tenancy/tenant-mount.ts`);
 * {@link splitInternalTopic} gives back the tenant and the tenant's own topic.
 * @module
 */

import { DEFAULT_TENANT } from "../hooks/index.js";
import { topicNameError } from "../protocol/index.js";
import { DOLLAR_MOUNT_ROOT, isMountNamespace, MOUNT_ROOT, unmountTopic } from "../tenancy/index.js";

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** A template split into literal text and placeholders. */
export type CompiledTemplate = readonly (string | { readonly placeholder: "topic" | "tenant" })[];

/**
 * Why `template` cannot be a topic template, or undefined: it needs `{topic}`, may use `{tenant}`,
 * nothing else in braces, and must give valid topic names.
 */
export function templateError(template: string): string | undefined {
  const names = [...template.matchAll(PLACEHOLDER)].map((match) => match[1] ?? "");
  const unknown = names.find((name) => name !== "topic" && name !== "tenant");
  if (unknown !== undefined) return `has an unknown placeholder "{${unknown}}" (use {topic} and {tenant})`;
  if (!names.includes("topic")) return "must contain {topic}";
  const rest = template.replace(PLACEHOLDER, "");
  if (rest.includes("{") || rest.includes("}")) return "has an unmatched brace";
  const sample = renderTopic(compileTemplate(template), "t", "a/b");
  const error = topicNameError(sample);
  return error === undefined ? undefined : `does not give valid topic names: ${error}`;
}

/** Splits a (valid) template into its parts. */
export function compileTemplate(template: string): CompiledTemplate {
  const parts: (string | { readonly placeholder: "topic" | "tenant" })[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push(template.slice(last, match.index));
    parts.push({ placeholder: match[1] === "tenant" ? "tenant" : "topic" });
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push(template.slice(last));
  return parts;
}

/**
 * The remote topic of a tenant's topic.
 * @example
 * ```ts
 * renderTopic(compileTemplate("site/{tenant}/{topic}"), "acme", "plant/1"); // "site/acme/plant/1"
 * ```
 */
export function renderTopic(template: CompiledTemplate, tenant: string, topic: string): string {
  if (template.length === 1 && typeof template[0] !== "string") return topic;
  let out = "";
  for (const part of template) {
    out += typeof part === "string" ? part : part.placeholder === "topic" ? topic : tenant;
  }
  return out;
}

/** The tenant and the tenant's own topic of an internal topic. */
export function splitInternalTopic(topic: string): { readonly tenant: string; readonly topic: string } {
  if (!isMountNamespace(topic)) return { tenant: DEFAULT_TENANT, topic };
  const root = topic.startsWith(`${DOLLAR_MOUNT_ROOT}/`) ? DOLLAR_MOUNT_ROOT : MOUNT_ROOT;
  const end = topic.indexOf("/", root.length + 1);
  const tenant = end === -1 ? topic.slice(root.length + 1) : topic.slice(root.length + 1, end);
  return { tenant, topic: unmountTopic(topic) };
}
