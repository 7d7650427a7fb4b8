import { tracked } from "@trpc/server";
import { apiTokens, hasWords } from "@vigil/db";
import { eventTypes, verdicts } from "@vigil/events";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { rfc3339 } from "../services/export-events";
import { sessionOpen } from "../services/sessions";
import type { Actor, Context } from "../trpc/context";
import { pageDirection, procedureFor, router } from "../trpc/init";

const TAIL_EVERY_MS = 1000;
const TAIL_BATCH = 500;

/** A live tail outlives its first request: it ends when the session is closed or the token revoked. */
function stillAllowed(ctx: Context, actor: Actor): boolean {
  if (actor.kind === "user") return sessionOpen(ctx.store, actor.sessionId);
  const token = ctx.store.db
    .select({ revokedMs: apiTokens.revokedMs })
    .from(apiTokens)
    .where(eq(apiTokens.id, actor.tokenId))
    .get();
  return token !== undefined && token.revokedMs === null;
}

const pause = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });

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
        order: z.enum(["newest", "oldest"]).default("newest"),
      }),
    )
    .query(async ({ ctx, input }) => {
      const { cursor, limit, since, until, order, direction: _, ...rest } = input;
      const page = await ctx.events.page(
        { ...rest, sinceNs: since, untilNs: until },
        {
          order: order === "oldest" ? "asc" : "desc",
          limit,
          after: cursor ? { timeNs: BigInt(cursor.timeNs), seq: BigInt(cursor.seq) } : undefined,
        },
      );
      return {
        events: page.events,
        receivedMs: page.receivedMs,
        nextCursor: page.next && { timeNs: String(page.next.timeNs), seq: String(page.next.seq) },
      };
    }),

  /** Matching events as they arrive (Server-Sent Events); a reconnect resumes after the last one it received. */
  tail: procedureFor("viewer")
    .input(
      eventFilterSchema.extend({
        /** where the event store said the last event received was (digits, or digits:digits) */
        lastEventId: z
          .string()
          .regex(/^\d{1,20}(:\d{1,20})?$/)
          .nullish(),
      }),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      const { lastEventId, since, until, ...rest } = input;
      const filter = { ...rest, sinceNs: since, untilNs: until };
      let after = lastEventId ?? (await ctx.events.tailStart());
      while (!signal?.aborted && stillAllowed(ctx, ctx.actor)) {
        const arrived = await ctx.events.arrivedAfter(filter, after, TAIL_BATCH);
        for (const { cursor, event } of arrived.events) yield tracked(cursor, event);
        after = arrived.cursor;
        if (arrived.caughtUp) await pause(TAIL_EVERY_MS, signal);
      }
    }),
});
