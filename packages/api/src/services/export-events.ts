import { type EventFilter, type EventStore, hasWords, timeToNs } from "@vigil/db";
import { describeIssues, eventTypes, timeSchema, type VigilEvent, verdicts } from "@vigil/events";
import { z } from "zod";
import { badRequest } from "../errors";

export const maxExportLimit = 100_000;

export const rfc3339 = z.string().transform((text, ctx) => {
  const parts = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/i.exec(text);
  const normalized = parts && `${parts[1]}.${(parts[2] ?? "").padEnd(9, "0")}${parts[3]?.toUpperCase()}`;
  if (!normalized || !timeSchema.safeParse(normalized).success) {
    ctx.addIssue({
      code: "custom",
      message: `expected an RFC 3339 time such as 2026-11-29T10:00:00Z, got ${JSON.stringify(text)}`,
    });
    return z.NEVER;
  }
  const ns = timeToNs(normalized);
  // Times are stored as signed 64-bit nanoseconds: SQLite cannot even be asked about one beyond them.
  if (ns < -(2n ** 63n) || ns >= 2n ** 63n) {
    ctx.addIssue({
      code: "custom",
      message: `expected a time from 1677-09-21 to 2262-04-11 (what the store holds), got ${JSON.stringify(text)}`,
    });
    return z.NEVER;
  }
  return ns;
});

export const exportQuerySchema = z.strictObject({
  since: rfc3339.optional(),
  until: rfc3339.optional(),
  type: z
    .string()
    .transform((t) => t.split(","))
    .pipe(z.array(z.enum(eventTypes)))
    .optional(),
  verdict: z
    .string()
    .transform((t) => t.split(","))
    .pipe(z.array(z.enum(verdicts)))
    .optional(),
  host: z.string().min(1).max(255).optional(),
  pid: z.coerce.number().int().min(0).max(0xffffffff).optional(),
  uid: z.coerce.number().int().min(0).max(0xffffffff).optional(),
  exe: z.string().min(1).max(1024).optional(),
  parentExe: z.string().min(1).max(1024).optional(),
  q: z
    .string()
    .max(1000)
    .refine(hasWords, "text search needs a letter or digit (it matches words)")
    .optional(),
  limit: z.coerce.number().int().min(1).max(maxExportLimit).default(1000),
  format: z.enum(["ndjson", "csv"]).default("ndjson"),
});

/** Query-string parameters -> a filter, or a 400 naming the parameter that is wrong. */
export function parseExportQuery(params: URLSearchParams) {
  const parsed = exportQuerySchema.safeParse(Object.fromEntries(params));
  if (!parsed.success) {
    throw badRequest(describeIssues(parsed.error, "query"));
  }
  const { since, until, type, verdict, limit, format, ...rest } = parsed.data;
  const filter: EventFilter = { ...rest, sinceNs: since, untilNs: until, types: type, verdicts: verdict };
  return { filter, limit, format };
}

/**
 * Matching events, oldest first and newest last: from `since` onwards when given, otherwise the newest `limit`
 * (found by their keys first). Yields page by page, so an export never sits in memory whole.
 */
export async function* exportEvents(
  events: EventStore,
  filter: EventFilter,
  limit: number,
): AsyncGenerator<VigilEvent> {
  let after = filter.sinceNs === undefined ? await events.newestStart(filter, limit) : undefined;
  if (filter.sinceNs === undefined && after === undefined) return; // nothing matches
  for (let sent = 0; sent < limit; ) {
    const page = await events.page(filter, {
      order: "asc",
      limit: Math.min(1000, limit - sent),
      after,
    });
    yield* page.events;
    sent += page.events.length;
    if (!page.next) break;
    after = page.next;
  }
}
