import { authenticateAgent, bearer, parseHeartbeat } from "@vigil/api";
import { errorResponse, json, readJson } from "@/server/http";
import { vigil } from "@/server/vigil";

export const dynamic = "force-dynamic";

export async function POST(request: Request): Promise<Response> {
  try {
    const { store, writer } = vigil();
    const agent = authenticateAgent(store, bearer(request.headers.get("authorization")));
    const beat = parseHeartbeat(await readJson(request, 256 * 1024));
    await writer.recordHeartbeat(agent, beat); // shares a commit with event batches
    // An agent told to rotate fetches a new credential (POST /api/agent/v1/credential) with this one.
    return json(200, agent.rotateCredential ? { ok: true, rotateCredential: true } : { ok: true });
  } catch (error) {
    return errorResponse(error);
  }
}
