import { gzipSync } from "node:zlib";
import type { VigilEvent } from "@vigil/events";
import { realisticBatch } from "../bench/realistic-events";

export type HostOptions = {
  server: string;
  enrollToken: string;
  machineId: string;
  name: string;
  /** events per second this host sends */
  rate: number;
  mode: "lsm" | "tracepoint";
  /** seconds between shipments (the agent ships what its spool holds) */
  shipS: number;
  heartbeatS: number;
};

export type HostStats = {
  accepted: number;
  /** generated, not yet acknowledged by the server */
  backlog: number;
  retries: number;
  failures: number;
  /** per shipment: how long the request took, and how old its oldest event was when the server acknowledged it */
  batchMs: number[];
  freshnessMs: number[];
  /** the policy bundle hash this host applied (acknowledged in a heartbeat) */
  appliedHash: string | null;
};

const MAX_BATCH = 5000; // what the agent ships at most per request

type Bundle = { hash: string; policies: { name: string; version: number }[] };

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * One simulated host speaking the agent protocol: it enrolls, ships generated events in numbered batches (retrying
 * what the server refuses as busy), heartbeats, follows its policy bundle and acknowledges it in its next heartbeat.
 */
export class SimulatedHost {
  readonly stats: HostStats = {
    accepted: 0,
    backlog: 0,
    retries: 0,
    failures: 0,
    batchMs: [],
    freshnessMs: [],
    appliedHash: null,
  };
  private credential = "";
  private seq = 1;
  private batch = 0;
  private applied: Bundle | null = null;
  private readonly boot: string;
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];

  constructor(private readonly options: HostOptions) {
    this.boot = `sim${Buffer.from(options.machineId).toString("hex").slice(-16)}`;
  }

  async enroll(): Promise<void> {
    const response = await fetch(`${this.options.server}/api/agent/v1/enroll`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        token: this.options.enrollToken,
        host: { machineId: this.options.machineId, name: this.options.name, agentVersion: "fleet-sim" },
      }),
    });
    const body = (await response.json()) as { credential?: string; error?: string };
    if (!response.ok || !body.credential)
      throw new Error(`${this.options.name} could not enroll (${response.status}): ${body.error}`);
    this.credential = body.credential;
  }

  start(): void {
    const { signal } = this.abort;
    this.loops = [this.shipLoop(signal), this.heartbeatLoop(signal), this.policyLoop(signal)];
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.loops);
  }

  private post(path: string, body: Uint8Array<ArrayBuffer> | string, gzip = false) {
    return fetch(`${this.options.server}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${this.credential}`,
        ...(gzip ? { "content-encoding": "gzip" } : {}),
      },
      body,
    });
  }

  private async shipLoop(signal: AbortSignal): Promise<void> {
    const queue: VigilEvent[] = []; // the spool: what happened and the server has not acknowledged
    let last = Date.now();
    let owed = 0;
    while (!signal.aborted) {
      await sleep(this.options.shipS * 1000 - (Date.now() - last), signal);
      const now = Date.now();
      owed += (this.options.rate * (now - last)) / 1000;
      const count = Math.floor(owed);
      owed -= count;
      if (count > 0) {
        // The events happened evenly since the last shipment.
        const events = realisticBatch(
          { id: this.options.machineId, name: this.options.name },
          this.batch++,
          count,
          {
            startNs: BigInt(last) * 1_000_000n,
            stepNs: BigInt(Math.max(1, Math.floor(((now - last) * 1_000_000) / count))),
            boot: this.boot,
          },
        );
        queue.push(...events);
      }
      last = now;
      this.stats.backlog = queue.length;
      if (queue.length === 0 || signal.aborted) continue;
      const batch = queue.slice(0, MAX_BATCH);
      const body = gzipSync(JSON.stringify({ stream: "sim", firstSeq: this.seq, events: batch }), {
        level: 1,
      });
      const started = performance.now();
      try {
        const response = await this.post("/api/agent/v1/events", new Uint8Array(body), true);
        const answer = (await response.json()) as { accepted?: number };
        if (response.status === 503) {
          this.stats.retries++; // busy: the same batch again once the server's wait is over
          await sleep(Number(response.headers.get("retry-after") ?? 1) * 1000, signal);
          continue;
        }
        if (!response.ok) throw new Error(`events refused (${response.status}): ${JSON.stringify(answer)}`);
        this.stats.batchMs.push(performance.now() - started);
        this.stats.freshnessMs.push(Date.now() - Date.parse((batch[0] as VigilEvent).time));
        this.stats.accepted += answer.accepted ?? 0;
        this.seq += batch.length;
        queue.splice(0, batch.length);
        this.stats.backlog = queue.length;
      } catch (error) {
        if (signal.aborted) break;
        this.stats.failures++;
        if (this.stats.failures <= 3)
          console.error(`fleet-sim: ${this.options.name}: ${(error as Error).message}`);
      }
    }
  }

  private heartbeat(): Promise<Response> {
    const applied = this.applied;
    return this.post(
      "/api/agent/v1/heartbeat",
      JSON.stringify({
        name: this.options.name,
        os: "Debian GNU/Linux 12 (bookworm)",
        kernel: "6.1.0-28-amd64",
        agentVersion: "fleet-sim",
        sensor: { mode: this.options.mode, reason: `simulated ${this.options.mode} host` },
        capabilities: this.options.mode === "lsm" ? ["observe", "enforce"] : ["observe"],
        events: { total: this.stats.accepted },
        drops: { exec: 0, spool: 0 },
        spool: { depth: this.stats.backlog, bytes: this.stats.backlog * 40, dropped: 0 },
        policyVersion: null,
        policies: {
          hash: applied?.hash ?? null,
          applied: applied?.policies.map(({ name, version }) => ({ name, version })) ?? [],
          error: null,
          enforcing: this.options.mode === "lsm" && (applied?.policies.length ?? 0) > 0,
        },
      }),
    );
  }

  private async heartbeatLoop(signal: AbortSignal): Promise<void> {
    // Spread the fleet's heartbeats over the interval, as hosts started at different times would.
    await sleep(Math.random() * this.options.heartbeatS * 1000, signal);
    while (!signal.aborted) {
      try {
        await this.heartbeat();
      } catch {
        if (!signal.aborted) this.stats.failures++;
      }
      await sleep(this.options.heartbeatS * 1000, signal);
    }
  }

  private async policyLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const have = this.applied ? `?have=${this.applied.hash}&wait=25` : "";
        const response = await fetch(`${this.options.server}/api/agent/v1/policies${have}`, {
          headers: { authorization: `Bearer ${this.credential}` },
          signal,
        });
        if (response.status === 200) {
          this.applied = (await response.json()) as Bundle;
          this.stats.appliedHash = this.applied.hash;
          await this.heartbeat(); // the acknowledgement: the real agent reports a new bundle at once too
        } else if (response.status !== 304) {
          await sleep(5000, signal);
        }
      } catch {
        await sleep(1000, signal);
      }
    }
  }
}
