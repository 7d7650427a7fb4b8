import { hosts } from "@vigil/db";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { notFound } from "../errors";
import { rfc3339 } from "../services/export-events";
import { procedureFor, router } from "../trpc/init";

export const processesRouter = router({
  /** A process at a moment (any of its events names one): its ancestry and what it forked. */
  tree: procedureFor("viewer")
    .input(
      z.strictObject({
        host: z.string().min(1).max(255),
        pid: z.number().int().min(0).max(0xffffffff),
        at: rfc3339,
      }),
    )
    .query(async ({ ctx, input }) => {
      const host = ctx.store.db
        .select({ id: hosts.id })
        .from(hosts)
        .where(eq(hosts.machineId, input.host))
        .get();
      if (!host) throw notFound(`no host with id ${input.host}`);
      const tree = await ctx.events.processTree(input.host, input.pid, input.at);
      if (!tree) throw notFound(`no events of pid ${input.pid} on this host around that time`);
      return tree;
    }),
});
