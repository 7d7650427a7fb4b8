import { csvHeader, csvRow, exportEvents, parseExportQuery } from "@vigil/api";
import { requireActor } from "@/server/actor";
import { errorResponse } from "@/server/http";
import { vigil } from "@/server/vigil";

export const dynamic = "force-dynamic";

/**
 * Matching events, newest last, as NDJSON (or CSV with format=csv), for an API token or a signed-in user (any
 * role): ?since=&until=&type=exec,ptrace&verdict=&host=&pid=&uid=&exe=&parentExe=&q=&limit=
 */
export async function GET(request: Request): Promise<Response> {
  try {
    const { store, events: eventStore } = vigil();
    requireActor(store, request.headers); // every role may read events
    const { filter, limit, format } = parseExportQuery(new URL(request.url).searchParams);
    const events = exportEvents(eventStore, filter, limit);
    const line = format === "csv" ? csvRow : (event: unknown) => `${JSON.stringify(event)}\n`;
    const encoder = new TextEncoder();
    let first = true;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        let chunk = first && format === "csv" ? csvHeader : "";
        first = false;
        for (let i = 0; i < 500; i++) {
          const next = await events.next();
          if (next.done) {
            if (chunk) controller.enqueue(encoder.encode(chunk));
            controller.close();
            return;
          }
          chunk += line(next.value);
        }
        controller.enqueue(encoder.encode(chunk));
      },
    });
    const type = format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8";
    const name = `vigil-events-${new Date().toISOString().slice(0, 19).replaceAll(":", "")}.${format}`;
    return new Response(body, {
      headers: { "content-type": type, "content-disposition": `attachment; filename="${name}"` },
    });
  } catch (error) {
    return errorResponse(error);
  }
}
