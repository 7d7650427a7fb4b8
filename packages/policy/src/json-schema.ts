import { type Field, fields, ruleEventTypes } from "./fields";
import { actions, modes, severities } from "./types";

const listOf = (item: object) => ({ oneOf: [item, { type: "array", items: item, minItems: 1 }] });

function fieldSchema(field: Field): object {
  const about = { description: `${field.about} (on ${field.on.join(", ")})` };
  switch (field.kind) {
    case "glob":
      return { ...about, ...listOf({ type: "string", minLength: 1 }) };
    case "id":
      return {
        ...about,
        ...listOf({
          oneOf: [
            { type: "integer", minimum: 0 },
            { type: "string", pattern: "^\\d{1,20}$" },
          ],
        }),
      };
    case "choice": {
      const values = field.choices ?? [];
      const booleans = values.every((v) => v === "true" || v === "false") ? [true, false] : [];
      return { ...about, ...listOf({ enum: [...values, ...booleans] }) };
    }
    case "argv":
      return {
        ...about,
        oneOf: [
          ...listOf({ type: "string", minLength: 1 }).oneOf,
          {
            type: "object",
            additionalProperties: false,
            properties: {
              contains: listOf({ type: "string", minLength: 1 }),
              regex: { type: "string", maxLength: 256 },
            },
            oneOf: [{ required: ["contains"] }, { required: ["regex"] }],
          },
        ],
      };
  }
}

/** A JSON Schema of the policy format for editors (completion, hover); parsePolicy stays the judge. */
export function policyJsonSchema(): object {
  const name = { type: "string", pattern: "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$" };
  const conditions = {
    type: "object",
    additionalProperties: false,
    properties: Object.fromEntries(fields.map((f) => [f.name, fieldSchema(f)])),
  };
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "Vigil policy (apiVersion vigil/v1)",
    type: "object",
    additionalProperties: false,
    required: ["apiVersion", "kind", "name", "rules"],
    properties: {
      apiVersion: { const: "vigil/v1" },
      kind: { const: "Policy" },
      name,
      description: { type: "string", maxLength: 1000 },
      mode: {
        enum: [...modes],
        default: "audit",
        description: "audit: report what would be denied; enforce: deny",
      },
      selector: {
        type: "object",
        additionalProperties: false,
        properties: {
          labels: { type: "object", additionalProperties: { type: ["string", "number", "boolean"] } },
          hosts: listOf({ type: "string", minLength: 1 }),
        },
      },
      rules: { type: "array", minItems: 1, items: { $ref: "#/definitions/rule" } },
    },
    definitions: {
      conditions,
      rule: {
        type: "object",
        additionalProperties: false,
        required: ["id", "on", "action"],
        properties: {
          id: name,
          on: { enum: [...ruleEventTypes] },
          action: {
            enum: [...actions],
            description: "allow rules are exceptions: they win over deny and alert",
          },
          severity: { enum: [...severities] },
          description: { type: "string", maxLength: 1000 },
          when: { $ref: "#/definitions/conditions" },
          unless: { $ref: "#/definitions/conditions" },
          message: { type: "string", maxLength: 1000, description: "text with {field} placeholders" },
        },
        if: { properties: { action: { enum: ["deny", "alert"] } } },
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a promise
        then: { required: ["severity"] },
      },
    },
  };
}
