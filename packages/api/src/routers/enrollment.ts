import { z } from "zod";
import { tokenId } from "../secrets";
import { createEnrollToken, listEnrollTokens, revokeEnrollToken } from "../services/enroll-tokens";
import { audit } from "../trpc/context";
import { procedureFor, router } from "../trpc/init";
import { labels } from "./labels";

const DAY_MS = 24 * 3600 * 1000;

export const enrollmentRouter = router({
  list: procedureFor("admin").query(({ ctx }) => listEnrollTokens(ctx.store)),

  /** The token's text is in this answer only; the server keeps its hash. */
  create: procedureFor("admin")
    .input(
      z.strictObject({
        name: z.string().trim().min(1).max(100),
        labels: labels.default({}),
        expiresDays: z.int().min(1).max(3650).optional(),
        maxUses: z.int().min(1).max(1_000_000).optional(),
      }),
    )
    .mutation(({ ctx, input }) => {
      const nowMs = Date.now();
      const created = createEnrollToken(
        ctx.store,
        {
          name: input.name,
          labels: input.labels,
          expiresMs: input.expiresDays ? nowMs + input.expiresDays * DAY_MS : undefined,
          maxUses: input.maxUses,
        },
        nowMs,
      );
      audit(ctx, {
        action: "enrollment token created",
        target: `enroll-token:${created.id}`,
        detail: input,
      });
      return created;
    }),

  revoke: procedureFor("admin")
    .input(z.strictObject({ id: tokenId }))
    .mutation(({ ctx, input }) => {
      revokeEnrollToken(ctx.store, input.id);
      audit(ctx, {
        action: "enrollment token revoked",
        target: `enroll-token:${input.id}`,
      });
    }),
});
