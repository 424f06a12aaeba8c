/**
 * The JSON Schema of a `PrivacyCountersSnapshot` (docs/privacy.md, Counters), as the admin API shows
 * it for tenants and outbound brokers.
 * @module
 */

import { privacyActions } from "../platform/privacy/index.js";
import { integer, object, type Schema, string } from "./schema-parts.js";

const count = (description: string): Schema => integer(description);

export function privacyCountersSchema(description: string): Schema {
  return object(
    {
      events: object(
        {
          evaluated: count("Events evaluated (one message for one output)."),
          unchanged: count("Sent as they came."),
          modified: count("Sent with values hashed or masked."),
          dropped: count("Withheld: a drop rule matched."),
          failed: count("Withheld: the rules could not be applied (binary payload, no hash key, too deep)."),
        },
        ["evaluated", "unchanged", "modified", "dropped", "failed"],
        "Events by outcome.",
      ),
      actions: object(
        Object.fromEntries(
          privacyActions.map((action) => [
            action,
            object(
              {
                fired: count("Events in which it acted."),
                values: count("Values or pieces of text acted on."),
              },
              ["fired", "values"],
              `The \`${action}\` rules.`,
            ),
          ]),
        ),
        [...privacyActions],
        "Per action, summed over its rules.",
      ),
      rules: {
        type: "array",
        description: "Every rule that fired, in the order they first fired.",
        items: object(
          {
            ruleSet: string("The rule set's id."),
            rule: string("The rule's id."),
            action: string("Its action.", { enum: [...privacyActions] }),
            fired: count("Events in which it acted."),
            values: count("Values or pieces of text acted on."),
          },
          ["ruleSet", "rule", "action", "fired", "values"],
          "One rule's counts.",
        ),
      },
    },
    ["events", "actions", "rules"],
    description,
  );
}
