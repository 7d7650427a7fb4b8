import type { Family } from "./exposition";

const startSeconds = Math.round(Date.now() / 1000 - process.uptime());

/** This process's resident memory, CPU time and start time, as Prometheus' process collector names them. */
export function processFamilies(): Family[] {
  const cpu = process.cpuUsage();
  return [
    {
      name: "vigil_process_resident_memory_bytes",
      help: "Resident memory of this process.",
      type: "gauge",
      samples: [{ value: process.memoryUsage.rss() }],
    },
    {
      name: "vigil_process_cpu_seconds_total",
      help: "CPU time this process used, user and system.",
      type: "counter",
      samples: [{ value: (cpu.user + cpu.system) / 1e6 }],
    },
    {
      name: "vigil_process_start_time_seconds",
      help: "When this process started, in seconds since the Unix epoch (a change is a restart).",
      type: "gauge",
      samples: [{ value: startSeconds }],
    },
  ];
}
