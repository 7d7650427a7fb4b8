import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter, SignInThrottle } from "@vigil/api";
import { actorOf, sourceOf } from "@/server/actor";
import { crossSite } from "@/server/cross-site";
import { json } from "@/server/http";
import { log } from "@/server/log";
import { sessionCookieWriter } from "@/server/session-cookie";
import { vigil } from "@/server/vigil";

export const dynamic = "force-dynamic";

// One throttle per process, also across Next's module reloads in development.
const holder = globalThis as typeof globalThis & { signInThrottle?: SignInThrottle };
holder.signInThrottle ??= new SignInThrottle();
const throttle = holder.signInThrottle;

function handler(request: Request) {
  if (crossSite(request))
    return json(403, {
      error: "refused: a request from another site's page may not change anything here (CSRF)",
    });
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
    createContext: ({ req, resHeaders }) => {
      const { store, events } = vigil();
      return {
        store,
        events,
        actor: actorOf(store, req.headers),
        source: sourceOf(req.headers),
        throttle,
        sessionCookie: sessionCookieWriter(req, resHeaders),
      };
    },
    onError: ({ error, path }) => {
      if (error.code === "INTERNAL_SERVER_ERROR")
        log.error({ err: error.cause ?? error, procedure: path ?? null }, "procedure failed");
    },
  });
}

export { handler as GET, handler as POST };
