import type { z } from "zod";
import { type VigilEvent, vigilEventSchema } from "./event";
import { eventTypes } from "./event-type";

export type ParseEventResult = { ok: true; event: VigilEvent } | { ok: false; error: string };

export function parseEvent(json: unknown): ParseEventResult {
  const result = vigilEventSchema.safeParse(json);
  if (result.success) return { ok: true, event: result.data };
  return { ok: false, error: result.error.issues.map(describeIssue).join("; ") };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = formatPath(issue.path);
  const message =
    issue.code === "invalid_union" && path === "type"
      ? `expected one of ${eventTypes.join(", ")}`
      : issue.message;
  return `${path || "(event)"}: ${message}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) => (typeof key === "number" ? `[${key}]` : `${index === 0 ? "" : "."}${String(key)}`))
    .join("");
}
