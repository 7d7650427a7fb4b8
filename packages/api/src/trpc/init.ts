import { initTRPC, type TRPC_ERROR_CODE_KEY, TRPCError } from "@trpc/server";
import type { Role } from "@vigil/db";
import { z } from "zod";
import { DomainError } from "../errors";
import { roleAllows } from "../services/authenticate";
import type { Context } from "./context";

/** Every procedure says who may call it: "public" (signing in) or the lowest role allowed. */
export type Meta = { access: "public" | Role };

const codes: Record<DomainError["status"], TRPC_ERROR_CODE_KEY> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  422: "UNPROCESSABLE_CONTENT",
  429: "TOO_MANY_REQUESTS",
  503: "SERVICE_UNAVAILABLE",
};

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    errorFormatter: ({ shape, error }) => ({
      ...shape,
      // Only what the caller can act on: no stack, and a generic message for a 500 (it is logged on the server).
      message:
        error.code === "INTERNAL_SERVER_ERROR" ? "internal error (logged on the server)" : shape.message,
      data: { code: shape.data.code, httpStatus: shape.data.httpStatus, path: shape.data.path },
    }),
  });

/** Domain errors become the matching tRPC error; anything else stays a 500. */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof DomainError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: codes[cause.status], message: cause.message, cause });
  }
  return result;
});

export const router = t.router;

/** Sent by TanStack's infinite queries with every page; pages here only go back in time. */
export const pageDirection = z.enum(["forward", "backward"]).optional();
export const createCallerFactory = t.createCallerFactory;

export const publicProcedure = t.procedure.meta({ access: "public" }).use(domainErrors);

/** A procedure for `role` and above: 401 without a session or token, 403 for a lower role. */
export function procedureFor(role: Role) {
  return t.procedure
    .meta({ access: role })
    .use(domainErrors)
    .use(({ ctx, next }) => {
      if (!ctx.actor) throw new TRPCError({ code: "UNAUTHORIZED", message: "sign in first" });
      if (!roleAllows(ctx.actor.role, role)) {
        throw new TRPCError({
          code: "FORBIDDEN",
          message: `this needs the ${role} role; you are ${ctx.actor.role}`,
        });
      }
      return next({ ctx: { ...ctx, actor: ctx.actor } });
    });
}
