import { roles } from "@vigil/db";
import { z } from "zod";
import { tokenId } from "../secrets";
import { createApiToken, listApiTokens, revokeApiToken } from "../services/api-tokens";
import { audit } from "../trpc/context";
import { procedureFor, router } from "../trpc/init";

export const tokensRouter = router({
  list: procedureFor("admin").query(({ ctx }) => listApiTokens(ctx.store)),

  /** The token's text is in this answer only; the server keeps its hash. */
  create: procedureFor("admin")
    .input(z.strictObject({ name: z.string().trim().min(1).max(100), role: z.enum(roles) }))
    .mutation(({ ctx, input }) => {
      const created = createApiToken(ctx.store, input);
      audit(ctx, {
        action: "token created",
        target: `token:${created.id}`,
        detail: input,
      });
      return created;
    }),

  revoke: procedureFor("admin")
    .input(z.strictObject({ id: tokenId }))
    .mutation(({ ctx, input }) => {
      revokeApiToken(ctx.store, input.id);
      audit(ctx, {
        action: "token revoked",
        target: `token:${input.id}`,
      });
    }),
});
