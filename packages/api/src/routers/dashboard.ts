import { z } from "zod";
import { dashboard, dashboardRanges } from "../services/dashboard";
import { procedureFor, router } from "../trpc/init";

const ranges = Object.keys(dashboardRanges) as [
  keyof typeof dashboardRanges,
  ...(keyof typeof dashboardRanges)[],
];

export const dashboardRouter = router({
  summary: procedureFor("viewer")
    .input(z.strictObject({ range: z.enum(ranges).default("24h") }))
    .query(({ ctx, input }) => dashboard(ctx.store, ctx.events, input.range)),
});
