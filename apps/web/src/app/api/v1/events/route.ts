import { authenticateToken, bearer, exportEvents, parseExportQuery } from "@vigil/api";
import { errorResponse } from "@/server/http";
import { vigil } from "@/server/vigil";

export const dynamic = "force-dynamic";

/** Matching events as NDJSON, newest last: ?since=&until=&type=exec,ptrace&host=&pid=&q=&limit= */
export async function GET(request: Request): Promise<Response> {
  try {
    const { store } = vigil();
    authenticateToken(store, bearer(request.headers.get("authorization")), "viewer");
    const { filter, limit } = parseExportQuery(new URL(request.url).searchParams);
    const events = exportEvents(store, filter, limit);
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        let chunk = "";
        for (let i = 0; i < 500; i++) {
          const next = events.next();
          if (next.done) {
            if (chunk) controller.enqueue(encoder.encode(chunk));
            controller.close();
            return;
          }
          chunk += `${JSON.stringify(next.value)}\n`;
        }
        controller.enqueue(encoder.encode(chunk));
      },
    });
    return new Response(body, { headers: { "content-type": "application/x-ndjson; charset=utf-8" } });
  } catch (error) {
    return errorResponse(error);
  }
}
