import { roles } from "@vigil/db";
import { z } from "zod";
import { listUsers, updateUser } from "../services/accounts";
import { createUser } from "../services/users";
import { audit } from "../trpc/context";
import { procedureFor, router } from "../trpc/init";

export const usersRouter = router({
  list: procedureFor("admin").query(({ ctx }) => listUsers(ctx.store)),

  create: procedureFor("admin")
    .input(
      z.strictObject({
        name: z.string().min(1).max(64),
        role: z.enum(roles),
        password: z.string().max(1024),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const user = await createUser(ctx.store, input);
      audit(ctx, {
        action: "user created",
        target: `user:${user.name}`,
        detail: { role: user.role },
      });
      return user;
    }),

  update: procedureFor("admin")
    .input(
      z.strictObject({
        id: z.number().int().positive(),
        role: z.enum(roles).optional(),
        disabled: z.boolean().optional(),
      }),
    )
    .mutation(({ ctx, input }) => {
      const { name, ...changed } = updateUser(ctx.store, input);
      audit(ctx, {
        action: "user updated",
        target: `user:${name}`,
        detail: changed,
      });
      return changed;
    }),
});
