import { hasWords, queryEvents } from "@vigil/db";
import { eventTypes, verdicts } from "@vigil/events";
import { z } from "zod";
import { rfc3339 } from "../services/export-events";
import { pageDirection, procedureFor, router } from "../trpc/init";

const glob = z.string().min(1).max(1024);

/** The explorer's filters; every one optional, all combined. */
export const eventFilterSchema = z.strictObject({
  since: rfc3339.optional(),
  until: rfc3339.optional(),
  types: z.array(z.enum(eventTypes)).max(eventTypes.length).optional(),
  verdicts: z.array(z.enum(verdicts)).max(verdicts.length).optional(),
  host: z.string().min(1).max(255).optional(),
  pid: z.number().int().min(0).max(0xffffffff).optional(),
  uid: z.number().int().min(0).max(0xffffffff).optional(),
  exe: glob.optional(),
  parentExe: glob.optional(),
  q: z
    .string()
    .max(1000)
    .refine(hasWords, "text search needs a letter or digit (it matches words)")
    .optional(),
});

const cursorSchema = z.strictObject({
  timeNs: z.string().regex(/^\d{1,20}$/),
  seq: z.string().regex(/^\d{1,20}$/),
});

export const eventsRouter = router({
  /** Newest first, a page at a time: pass `nextCursor` back as `cursor`. */
  list: procedureFor("viewer")
    .input(
      eventFilterSchema.extend({
        cursor: cursorSchema.nullish(),
        direction: pageDirection,
        limit: z.number().int().min(1).max(500).default(100),
      }),
    )
    .query(({ ctx, input }) => {
      const { cursor, limit, since, until, ...rest } = input;
      const page = queryEvents(
        ctx.store.sqlite,
        { ...rest, sinceNs: since, untilNs: until },
        {
          order: "desc",
          limit,
          after: cursor ? { timeNs: BigInt(cursor.timeNs), seq: BigInt(cursor.seq) } : undefined,
        },
      );
      return {
        events: page.events,
        nextCursor: page.next && { timeNs: String(page.next.timeNs), seq: String(page.next.seq) },
      };
    }),
});
