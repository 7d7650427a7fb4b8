import { z } from "zod";
import { tokenId } from "../secrets";
import { createEnrollToken, listEnrollTokens, revokeEnrollToken } from "../services/enroll-tokens";
import { audit } from "../trpc/context";
import { procedureFor, router } from "../trpc/init";

const DAY_MS = 24 * 3600 * 1000;

/** Labels as the CLI takes them: key=value pairs; the keys are what host filters and policies name. */
const labels = z
  .record(
    z.string().regex(/^[A-Za-z0-9_./-]{1,63}$/, "a label key is 1-63 letters, digits, _ . / or -"),
    z
      .string()
      .max(255)
      .regex(/^[^,]*$/, "a label value has no commas"),
  )
  .refine((l) => Object.keys(l).length <= 32, "at most 32 labels");

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
