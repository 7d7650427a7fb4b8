import { z } from "zod";
import { listAudit } from "../services/audit";
import { pageDirection, procedureFor, router } from "../trpc/init";

export const auditRouter = router({
  list: procedureFor("admin")
    .input(
      z.strictObject({
        action: z.string().max(100).optional(),
        cursor: z.number().int().positive().nullish(),
        direction: pageDirection,
        limit: z.number().int().min(1).max(500).default(100),
      }),
    )
    .query(({ ctx, input }) => {
      const page = listAudit(ctx.store, {
        action: input.action,
        before: input.cursor ?? undefined,
        limit: input.limit,
      });
      return { entries: page.entries, nextCursor: page.next };
    }),
});
