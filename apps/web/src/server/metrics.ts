import { hostsByStatus, storeFileBytes } from "@vigil/api";
import { counter, type Family, gauge, processFamilies, samplesOf } from "@vigil/observability";
import { ingestMetrics } from "./ingest-metrics";
import { vigil } from "./vigil";

/** Everything GET /metrics reports, read at the time of the scrape. */
export function serverFamilies(nowMs = Date.now()): Family[] {
  const { store, writer } = vigil();
  const ingested = ingestMetrics();
  return [
    {
      name: "vigil_ingest_events_total",
      help: "Events in batches from agents, by result: accepted (stored), rejected (invalid, refused with a reason), duplicate (resent, already stored).",
      type: "counter",
      samples: samplesOf("result", ingested.events),
    },
    {
      name: "vigil_ingest_batch_duration_seconds",
      help: "Time from receiving a batch from an agent to answering that it is stored: body, checks and store.",
      type: "histogram",
      samples: [{ histogram: ingested.batchSeconds }],
    },
    counter(
      "vigil_ingest_batches_busy_total",
      "Batches answered 503 (retry later): too many arriving at once, or the store busy or full.",
      ingested.refusedBusy,
    ),
    gauge(
      "vigil_events_stored",
      "Events in the store now (retention deletes the oldest).",
      writer.storedEvents(),
    ),
    {
      name: "vigil_hosts",
      help: "Enrolled hosts by status from their last heartbeat (thresholds in Settings).",
      type: "gauge",
      samples: samplesOf("status", hostsByStatus(store, nowMs)),
    },
    {
      name: "vigil_db_size_bytes",
      help: "Size of the database's files: the main file and its write-ahead log.",
      type: "gauge",
      samples: samplesOf("file", storeFileBytes(store)),
    },
    ...processFamilies(),
  ];
}
