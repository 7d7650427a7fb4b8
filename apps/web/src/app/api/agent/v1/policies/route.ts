import { authenticateAgent, badRequest, bearer, nextPolicyBundle } from "@vigil/api";
import { errorResponse, json } from "@/server/http";
import { vigil } from "@/server/vigil";

export const dynamic = "force-dynamic";

const WAIT_S = 25;
const EVERY_MS = 500;

/**
 * The policies this agent's host must apply. `?have=<hash>` (the bundle it applied) waits for a change, up to
 * `wait` seconds (25 at most, the default), and answers 304 when there is none: a publish reaches agents within a
 * second without each asking every second.
 */
export async function GET(request: Request): Promise<Response> {
  try {
    const { store } = vigil();
    const agent = authenticateAgent(store, bearer(request.headers.get("authorization")));
    const params = new URL(request.url).searchParams;
    const have = params.get("have");
    const wait = Number(params.get("wait") ?? WAIT_S);
    if (!Number.isFinite(wait) || wait < 0 || wait > WAIT_S) throw badRequest(`wait is 0-${WAIT_S} seconds`);
    const bundle = await nextPolicyBundle(store, agent.hostId, have, {
      waitMs: have ? wait * 1000 : 0,
      everyMs: EVERY_MS,
      signal: request.signal,
    });
    return bundle ? json(200, bundle) : new Response(null, { status: 304 });
  } catch (error) {
    return errorResponse(error);
  }
}
