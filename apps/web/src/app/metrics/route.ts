import { exposition, expositionContentType } from "@vigil/observability";
import { requireActor } from "@/server/actor";
import { errorResponse } from "@/server/http";
import { serverFamilies } from "@/server/metrics";
import { vigil } from "@/server/vigil";

export const dynamic = "force-dynamic";

/**
 * Prometheus metrics, for an API token (any role: `Authorization: Bearer vgt_...`, Prometheus' `authorization`
 * setting) or a signed-in user. Not by address: a route handler does not see the peer, and X-Forwarded-For is
 * whatever the client says.
 */
export async function GET(request: Request): Promise<Response> {
  try {
    requireActor(vigil().store, request.headers);
    return new Response(exposition(serverFamilies()), {
      headers: { "content-type": expositionContentType, "cache-control": "no-store" },
    });
  } catch (error) {
    return errorResponse(error);
  }
}
