import { counter, type Family, gauge } from "./exposition";

const startSeconds = Math.round(Date.now() / 1000 - process.uptime());

/** This process's resident memory, CPU time and start time, as Prometheus' process collector names them. */
export function processFamilies(): Family[] {
  const cpu = process.cpuUsage();
  return [
    gauge(
      "vigil_process_resident_memory_bytes",
      "Resident memory of this process.",
      process.memoryUsage.rss(),
    ),
    counter(
      "vigil_process_cpu_seconds_total",
      "CPU time this process used, user and system.",
      (cpu.user + cpu.system) / 1e6,
    ),
    gauge(
      "vigil_process_start_time_seconds",
      "When this process started, in seconds since the Unix epoch (a change is a restart).",
      startSeconds,
    ),
  ];
}
