import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fields } from "./fields";
import { policyJsonSchema } from "./json-schema";

const published = join(import.meta.dirname, "..", "policy.schema.json");

describe("the published JSON Schema", () => {
  it("is what the field catalogue makes (regenerate: npm run -w @vigil/policy schema)", () => {
    expect(JSON.parse(readFileSync(published, "utf8"))).toEqual(policyJsonSchema());
  });

  it("offers every field for completion", () => {
    const schema = policyJsonSchema() as { definitions: { conditions: { properties: object } } };
    expect(Object.keys(schema.definitions.conditions.properties)).toEqual(fields.map((f) => f.name));
  });
});
