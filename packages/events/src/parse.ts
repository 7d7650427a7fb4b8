import type { z } from "zod";
import { compileCheck } from "./compiled-check";
import { type VigilEvent, vigilEventSchema } from "./event";
import { eventTypes } from "./event-type";

export type ParseEventResult = { ok: true; event: VigilEvent } | { ok: false; error: string };

const isEvent = compileCheck(vigilEventSchema);

/** A valid event is returned as it came (no copy); zod explains a refused one. */
export function parseEvent(json: unknown): ParseEventResult {
  if (isEvent(json)) return { ok: true, event: json as VigilEvent };
  const result = vigilEventSchema.safeParse(json);
  if (result.success) return { ok: true, event: result.data };
  return { ok: false, error: describeIssues(result.error) };
}

/** A zod error as `path: message; ...` (`whole` names an issue with the value itself), for any input we refuse. */
export function describeIssues(error: z.ZodError, whole = "(event)"): string {
  return error.issues.map((issue) => describeIssue(issue, whole)).join("; ");
}

function describeIssue(issue: z.core.$ZodIssue, whole: string): string {
  const path = formatPath(issue.path);
  const message =
    issue.code === "invalid_union" && path === "type"
      ? `expected one of ${eventTypes.join(", ")}`
      : issue.message;
  return `${path || whole}: ${message}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) => (typeof key === "number" ? `[${key}]` : `${index === 0 ? "" : "."}${String(key)}`))
    .join("");
}
