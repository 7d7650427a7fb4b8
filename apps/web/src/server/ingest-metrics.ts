import type { IngestResult } from "@vigil/api";
import { Histogram } from "@vigil/observability";

/** Prometheus' default buckets: a batch of 5000 events takes ~0.15 s here (bench:ingest). */
const BATCH_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What the agent API did with the batches it received since the server started. */
export class IngestMetrics {
  readonly events = { accepted: 0, rejected: 0, duplicate: 0 };
  readonly batchSeconds = new Histogram(BATCH_SECONDS);
  refusedBusy = 0;

  stored(result: IngestResult, seconds: number): void {
    this.events.accepted += result.accepted;
    this.events.rejected += result.rejected.length;
    this.events.duplicate += result.duplicates;
    this.batchSeconds.observe(seconds);
  }
}

// Route handlers are bundled apart: the events route counts and /metrics reads the same object.
const holder = globalThis as typeof globalThis & { vigilIngestMetrics?: IngestMetrics };

export function ingestMetrics(): IngestMetrics {
  holder.vigilIngestMetrics ??= new IngestMetrics();
  return holder.vigilIngestMetrics;
}
