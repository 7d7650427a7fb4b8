import { alertStatuses, users } from "@vigil/db";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { badRequest } from "../errors";
import { alertEventRefs, getAlert, listAlerts, updateAlert } from "../services/alerts";
import { audit } from "../trpc/context";
import { pageDirection, procedureFor, router } from "../trpc/init";

const alertId = z.number().int().positive();

export const alertsRouter = router({
  list: procedureFor("viewer")
    .input(
      z.strictObject({
        statuses: z.array(z.enum(alertStatuses)).max(alertStatuses.length).default(["new", "acknowledged"]),
        cursor: z.number().int().positive().nullish(),
        direction: pageDirection,
        limit: z.number().int().min(1).max(200).default(50),
      }),
    )
    .query(({ ctx, input }) => {
      const page = listAlerts(ctx.store, {
        statuses: input.statuses,
        limit: input.limit,
        before: input.cursor ?? undefined,
      });
      return { alerts: page.alerts, nextCursor: page.next };
    }),

  get: procedureFor("viewer")
    .input(z.strictObject({ id: alertId }))
    .query(({ ctx, input }) => getAlert(ctx.store, input.id)),

  /** Triage: acknowledge, resolve or reopen, and (un)assign to a user. */
  update: procedureFor("analyst")
    .input(
      z.strictObject({
        id: alertId,
        status: z.enum(alertStatuses).optional(),
        assignee: z.string().min(1).max(64).nullable().optional(),
      }),
    )
    .mutation(({ ctx, input }) => {
      if (input.assignee) {
        const known = ctx.store.db
          .select({ id: users.id })
          .from(users)
          .where(eq(users.name, input.assignee))
          .get();
        if (!known) throw badRequest(`no user named ${input.assignee} to assign to`);
      }
      const changed = updateAlert(ctx.store, input);
      audit(ctx, {
        action: "alert updated",
        target: `alert:${input.id}`,
        detail: changed,
      });
      return changed;
    }),

  /** The events an alert stands for, newest first. */
  events: procedureFor("viewer")
    .input(
      z.strictObject({
        id: alertId,
        /** the last event of the previous page: its time and number, as `nextCursor` gave them */
        cursor: z
          .string()
          .regex(/^\d{1,20}:\d{1,20}$/)
          .nullish(),
        direction: pageDirection,
        limit: z.number().int().min(1).max(200).default(100),
      }),
    )
    .query(async ({ ctx, input }) => {
      const [timeNs, seq] = input.cursor?.split(":").map(BigInt) ?? [];
      const before = timeNs !== undefined && seq !== undefined ? { timeNs, seq } : undefined;
      const refs = alertEventRefs(ctx.store, input.id, input.limit, before);
      const found = await ctx.events.byRef(refs);
      const last = refs.at(-1);
      return {
        events: found.map((f) => f.event),
        nextCursor: last && refs.length === input.limit ? `${last.timeNs}:${last.seq}` : null,
      };
    }),
});
