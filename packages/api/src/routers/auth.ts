import { z } from "zod";
import { signIn, signOut } from "../services/sessions";
import { actorName } from "../trpc/context";
import { procedureFor, publicProcedure, router } from "../trpc/init";

export const authRouter = router({
  signIn: publicProcedure
    .input(z.object({ name: z.string().min(1).max(64), password: z.string().min(1).max(1024) }))
    .mutation(async ({ ctx, input }) => {
      const session = await signIn(ctx.store, ctx.throttle, { ...input, source: ctx.source });
      ctx.sessionCookie.set(session.cookie, session.expiresMs);
      return session.user;
    }),

  signOut: procedureFor("viewer").mutation(({ ctx }) => {
    if (ctx.actor.kind === "user") signOut(ctx.store, ctx.actor, ctx.source);
    ctx.sessionCookie.clear();
  }),

  me: procedureFor("viewer").query(({ ctx }) => ({
    name: ctx.actor.name,
    role: ctx.actor.role,
    via: ctx.actor.kind,
    actor: actorName(ctx.actor),
  })),
});
