import { type HostOptions, type HostStats, SimulatedHost } from "./simulated-host";

export type FleetOptions = Omit<HostOptions, "machineId" | "name" | "mode"> & {
  hosts: number;
  /** names are `${prefix}-0001`...; machine ids follow them */
  prefix: string;
  /** the share of hosts whose sensor runs in lsm mode (the others: tracepoint) */
  lsmShare: number;
  progress?: (line: string) => void;
};

export type FleetTotals = Omit<HostStats, "appliedHash"> & { hosts: number };

/** Many simulated hosts, enrolled a few at a time, then all running until `stop`. */
export class SimulatedFleet {
  readonly hosts: SimulatedHost[] = [];

  static async start(options: FleetOptions): Promise<SimulatedFleet> {
    const fleet = new SimulatedFleet();
    const width = String(options.hosts).length;
    for (let i = 0; i < options.hosts; i++) {
      const name = `${options.prefix}-${String(i + 1).padStart(Math.max(4, width), "0")}`;
      fleet.hosts.push(
        new SimulatedHost({
          ...options,
          name,
          machineId: `${name}-machine`,
          mode: i < Math.round(options.hosts * options.lsmShare) ? "lsm" : "tracepoint",
        }),
      );
    }
    for (let i = 0; i < fleet.hosts.length; i += 20) {
      await Promise.all(fleet.hosts.slice(i, i + 20).map((h) => h.enroll()));
      if ((i / 20) % 5 === 4)
        options.progress?.(`fleet-sim: ${Math.min(i + 20, fleet.hosts.length)} hosts enrolled`);
    }
    for (const host of fleet.hosts) host.start();
    options.progress?.(`fleet-sim: ${fleet.hosts.length} hosts running at ${options.rate} events/s each`);
    return fleet;
  }

  totals(): FleetTotals {
    const totals: FleetTotals = {
      hosts: this.hosts.length,
      accepted: 0,
      backlog: 0,
      retries: 0,
      failures: 0,
      batchMs: [],
      freshnessMs: [],
    };
    for (const { stats } of this.hosts) {
      totals.accepted += stats.accepted;
      totals.backlog += stats.backlog;
      totals.retries += stats.retries;
      totals.failures += stats.failures;
      totals.batchMs.push(...stats.batchMs);
      totals.freshnessMs.push(...stats.freshnessMs);
    }
    return totals;
  }

  /** Forgets the latencies measured so far (after a warm-up). */
  resetLatencies(): void {
    for (const { stats } of this.hosts) {
      stats.batchMs.length = 0;
      stats.freshnessMs.length = 0;
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.hosts.map((h) => h.stop()));
  }
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}
