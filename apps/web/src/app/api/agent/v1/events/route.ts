import { authenticateAgent, bearer, retryLater } from "@vigil/api";
import { errorResponse, json, readJson } from "@/server/http";
import { vigil } from "@/server/vigil";

export const dynamic = "force-dynamic";

const MAX_BODY_BYTES = 16 * 1024 * 1024;
// Batches being read or stored at once; beyond it agents are told to retry (they keep the events spooled).
const MAX_IN_FLIGHT = 8;
let inFlight = 0;

export async function POST(request: Request): Promise<Response> {
  if (inFlight >= MAX_IN_FLIGHT)
    return errorResponse(retryLater("the server is busy ingesting: retry later"));
  inFlight++;
  try {
    const { store, ingest } = vigil();
    const agent = authenticateAgent(store, bearer(request.headers.get("authorization")));
    const body = await readJson(request, MAX_BODY_BYTES);
    return json(200, ingest.ingest(agent, body));
  } catch (error) {
    return errorResponse(error);
  } finally {
    inFlight--;
  }
}
