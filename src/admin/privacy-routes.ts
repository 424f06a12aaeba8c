/**
 * `POST /api/v1/privacy/preview`: what a privacy rule set (docs/privacy.md) does to a sample payload,
 * without attaching it anywhere. The answer is the output (or the drop) and which rules fired, where;
 * a rule set with problems is a 400 whose message lists every problem with its field.
 * @module
 */

import { previewPrivacy } from "../platform/privacy/index.js";
import type { AdminRoute } from "./admin-route.js";
import { ApiError } from "./api-error.js";
import { boolean, object, string, type Schema } from "./schema-parts.js";

const anyJson: Schema = { description: "Any JSON value." };

const firing = object(
  {
    rule: string("The rule's id."),
    index: { type: "integer", description: "The rule's position in the set (0-based)." },
    action: string("What it did.", { enum: ["hash", "mask", "drop", "allow"] }),
    count: { type: "integer", description: "How many values or pieces of text it acted on." },
    at: { type: "array", items: string("A JSON path."), description: "Where, as JSON paths." },
  },
  ["rule", "index", "action", "count", "at"],
  "A rule that acted on the sample.",
);

export function privacyRoutes(): AdminRoute[] {
  return [
    {
      method: "POST",
      url: "/api/v1/privacy/preview",
      operationId: "previewPrivacy",
      summary: "Applies a privacy rule set to a sample payload and shows the result (nothing is stored).",
      tag: "privacy",
      status: 200,
      body: object(
        {
          // Checked by compileRuleSet, whose messages name the field at fault (docs/privacy.md has the shape)
          ruleSet: { type: "object", description: 'The rule set (docs/privacy.md, "Rule sets").' },
          sample: { ...anyJson, description: "The sample payload, as parsed JSON." },
          hashKey: string("The key for hash rules that have none of their own (at least 16 characters).", {
            minLength: 16,
          }),
        },
        ["ruleSet", "sample"],
        "A preview request.",
      ),
      response: object(
        {
          outcome: string("`keep`: the event goes out as `output`; `drop`: it is not published.", {
            enum: ["keep", "drop"],
          }),
          output: { ...anyJson, description: "The payload as it would leave (for `keep`)." },
          changed: boolean("Whether any rule changed the payload (for `keep`)."),
          droppedBy: object(
            { rule: string("The rule's id."), index: { type: "integer", description: "Its position." } },
            ["rule", "index"],
            "The drop rule that matched (for `drop`).",
          ),
          fired: { type: "array", items: firing, description: "The rules that acted, in order." },
        },
        ["outcome", "fired"],
        "What the rule set does to the sample.",
      ),
      handle: (call) => {
        const body = call.body as { ruleSet: unknown; sample: unknown; hashKey?: string };
        const preview = previewPrivacy(
          body.ruleSet,
          body.sample,
          body.hashKey === undefined ? {} : { hashKey: body.hashKey },
        );
        if (!preview.ok)
          throw new ApiError(
            "BAD_REQUEST",
            `Invalid preview request: ${preview.errors.map((e) => e.message).join("; ")}`,
          );
        if (preview.outcome === "keep")
          return { outcome: "keep", output: preview.output, changed: preview.changed, fired: preview.fired };
        return {
          outcome: "drop",
          ...(preview.droppedBy === undefined ? {} : { droppedBy: preview.droppedBy }),
          fired: preview.fired,
        };
      },
    },
  ];
}
