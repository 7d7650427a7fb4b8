import { z } from "zod";
import { retentionSchema, retentionSetting, setRetention } from "../services/settings";
import { actorName, audit } from "../trpc/context";
import { procedureFor, router } from "../trpc/init";

export const settingsRouter = router({
  /** Each setting, or null where the server's default applies. */
  get: procedureFor("admin").query(({ ctx }) => ({ retention: retentionSetting(ctx.store) })),

  update: procedureFor("admin")
    .input(z.strictObject({ retention: retentionSchema.nullable() }))
    .mutation(({ ctx, input }) => {
      const before = retentionSetting(ctx.store);
      setRetention(ctx.store, input.retention, actorName(ctx.actor));
      audit(ctx, {
        action: "settings changed",
        target: "settings:retention",
        detail: { before, after: input.retention },
      });
    }),
});
