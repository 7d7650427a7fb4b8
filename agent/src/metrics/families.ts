import { counter, type Family, gauge, processFamilies, samplesOf } from "@vigil/observability";
import type { KernelCounts } from "../sensor/kernel-counts";
import type { Shipper } from "../ship/shipper";
import type { Spool } from "../ship/spool";

/** The counters `run` keeps, read at the time of a scrape. */
export type AgentCounters = {
  events: Readonly<Record<string, number>>;
  kernel: KernelCounts;
  badFrames: () => number;
  sensorGaps: () => { count: number };
  spool: Pick<Spool, "stats">;
  shipper: Pick<Shipper, "stats" | "latency">;
};

/** Everything the agent's /metrics reports. */
export function agentFamilies({
  events,
  kernel,
  badFrames,
  sensorGaps,
  spool,
  shipper,
}: AgentCounters): Family[] {
  const spooled = spool.stats();
  const shipped = shipper.stats;
  return [
    {
      name: "vigil_agent_events_total",
      help: "Events read from the sensor, by type.",
      type: "counter",
      samples: samplesOf("type", events),
    },
    {
      name: "vigil_agent_kernel_records_total",
      help: "Records the kernel emitted, by kind (the sensor's running totals, since it loaded).",
      type: "counter",
      samples: samplesOf("kind", kernel.emitted),
    },
    {
      name: "vigil_agent_kernel_drops_total",
      help: "Records the kernel dropped because its ring buffer was full, by kind (raise --ringbuf-mb).",
      type: "counter",
      samples: samplesOf("kind", kernel.dropped),
    },
    counter(
      "vigil_agent_bad_frames_total",
      "Records from the sensor the agent could not decode.",
      badFrames(),
    ),
    counter(
      "vigil_agent_sensor_restarts_total",
      "Times the sensor stopped and was started again (events in between were not observed).",
      sensorGaps().count,
    ),
    gauge("vigil_agent_spool_events", "Events in the spool, waiting for the server.", spooled.depth),
    gauge("vigil_agent_spool_bytes", "JSON bytes of the events in the spool.", spooled.bytes),
    counter(
      "vigil_agent_spool_dropped_events_total",
      "Oldest events dropped because the spool was full (--spool-max-mb); kept across restarts.",
      spooled.dropped,
    ),
    counter("vigil_agent_shipped_events_total", "Events the server stored.", shipped.shipped),
    counter(
      "vigil_agent_rejected_events_total",
      "Events the server refused as invalid (not sent again).",
      shipped.rejected,
    ),
    counter("vigil_agent_batches_shipped_total", "Batches the server stored.", shipped.batches),
    counter(
      "vigil_agent_batches_failed_total",
      "Attempts to ship a batch that did not store it: server unreachable, busy, refusing, or batch too large.",
      shipped.failedBatches,
    ),
    {
      name: "vigil_agent_ship_latency_seconds",
      help: "Time from an event's spooling to the server's answer that it is stored (events spooled since the agent started).",
      type: "histogram",
      samples: [{ histogram: shipper.latency }],
    },
    ...processFamilies(),
  ];
}
