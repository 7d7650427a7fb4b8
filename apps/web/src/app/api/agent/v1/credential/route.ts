import { authenticateAgent, bearer, issueNextCredential } from "@vigil/api";
import { errorResponse, json } from "@/server/http";
import { vigil } from "@/server/vigil";

export const dynamic = "force-dynamic";

/** A new credential for an agent an admin asked to rotate (its heartbeats say so), given with the current one. */
export async function POST(request: Request): Promise<Response> {
  try {
    const { store } = vigil();
    const agent = authenticateAgent(store, bearer(request.headers.get("authorization")));
    return json(200, issueNextCredential(store, agent), { "cache-control": "no-store" });
  } catch (error) {
    return errorResponse(error);
  }
}
