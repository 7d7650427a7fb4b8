import { authenticateAgent, bearer, retryLater } from "@vigil/api";
import { batchDecoder, eventCount } from "@/server/batch-decoder";
import { errorResponse, json, readBody } from "@/server/http";
import { ingestMetrics } from "@/server/ingest-metrics";
import { BodyLimiter, MAX_BATCH_BYTES, WriteBacklog } from "@/server/load";
import { vigil } from "@/server/vigil";

export const dynamic = "force-dynamic";

const bodies = new BodyLimiter();
const backlog = new WriteBacklog();

export async function POST(request: Request): Promise<Response> {
  const started = performance.now();
  const metrics = ingestMetrics();
  try {
    const size = BodyLimiter.sizeOf(request.headers.get("content-length"));
    if (bodies.full(size)) throw retryLater("the server is receiving too many batches at once: retry later");
    if (backlog.full) throw retryLater("the server is behind storing what it received: retry later");
    const { store, writer } = vigil();
    const agent = authenticateAgent(store, bearer(request.headers.get("authorization")));
    const encoding = request.headers.get("content-encoding");
    const result = await bodies.read(size, async () => {
      const batch = await batchDecoder()(await readBody(request, MAX_BATCH_BYTES), encoding, agent.machineId);
      return backlog.write(eventCount(batch), () => writer.writeEvents(agent, batch));
    });
    metrics.stored(result, (performance.now() - started) / 1000);
    return json(200, result);
  } catch (error) {
    const response = errorResponse(error);
    if (response.status === 503) metrics.refusedBusy++;
    return response;
  }
}
