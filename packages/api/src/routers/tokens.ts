import { roles } from "@vigil/db";
import { z } from "zod";
import { createApiToken, listApiTokens, revokeApiToken } from "../services/api-tokens";
import { recordAudit } from "../services/audit";
import { actorName } from "../trpc/context";
import { procedureFor, router } from "../trpc/init";

export const tokensRouter = router({
  list: procedureFor("admin").query(({ ctx }) => listApiTokens(ctx.store)),

  /** The token's text is in this answer only; the server keeps its hash. */
  create: procedureFor("admin")
    .input(z.strictObject({ name: z.string().trim().min(1).max(100), role: z.enum(roles) }))
    .mutation(({ ctx, input }) => {
      const created = createApiToken(ctx.store, input);
      recordAudit(ctx.store, {
        actor: actorName(ctx.actor),
        action: "token created",
        target: `token:${created.id}`,
        source: ctx.source,
        detail: input,
      });
      return created;
    }),

  revoke: procedureFor("admin")
    .input(z.strictObject({ id: z.string().regex(/^[0-9a-f]{16}$/, "a token id is 16 hex digits") }))
    .mutation(({ ctx, input }) => {
      revokeApiToken(ctx.store, input.id);
      recordAudit(ctx.store, {
        actor: actorName(ctx.actor),
        action: "token revoked",
        target: `token:${input.id}`,
        source: ctx.source,
      });
    }),
});
