import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { KernelCounts } from "../sensor/kernel-counts";
import { ServerClient } from "../ship/server-client";
import { Shipper } from "../ship/shipper";
import { Spool } from "../ship/spool";
import { agentFamilies } from "./families";
import { serveMetrics } from "./server";

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

const listening = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );

/** A stand-in for the server's agent API that stores every batch. */
async function acceptingServer(): Promise<string> {
  const server = createServer((request, response) => {
    request.resume().on("end", () => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ accepted: 3, duplicates: 0, rejected: [] }));
    });
  });
  const port = await listening(server);
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${port}`;
}

const sample = (text: string, series: string) =>
  Number(
    text
      .split("\n")
      .find((line) => line.startsWith(`${series} `))
      ?.slice(series.length + 1),
  );

describe("the agent's /metrics", () => {
  it("listens on loopback only and serves the counters run keeps, as they change", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vigil-metrics-"));
    const spool = new Spool(join(dir, "spool.db"), 1e9);
    cleanups.push(
      () => rmSync(dir, { recursive: true, force: true }),
      () => spool.close(),
    );
    const client = new ServerClient(await acceptingServer(), "vga_test.credential");
    const shipper = new Shipper(spool, client, quiet);
    const events: Record<string, number> = { exec: 2, ptrace: 1 };
    const gaps = { count: 0 };
    const kernel = new KernelCounts();
    kernel.update({
      kind: "stats",
      emitted: [0n, 5n, 0n, 0n, 0n, 1n, 0n, 0n],
      dropped: [0n, 2n, 0n, 0n, 0n, 0n, 0n, 0n],
    } as Parameters<KernelCounts["update"]>[0]);
    const server = await serveMetrics(
      0,
      () => agentFamilies({ events, kernel, badFrames: () => 0, sensorGaps: () => gaps, spool, shipper }),
      quiet,
    );
    if (!server) throw new Error("not listening");
    cleanups.push(() => {
      server.close();
      server.closeAllConnections();
    });
    const address = server.address() as AddressInfo;
    expect(address.address).toBe("127.0.0.1");
    const scrape = async () => {
      const response = await fetch(`http://127.0.0.1:${address.port}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
      return response.text();
    };

    spool.append(['{"n":1}', '{"n":2}', '{"n":3}']);
    let text = await scrape();
    expect(sample(text, 'vigil_agent_events_total{type="exec"}')).toBe(2);
    expect(sample(text, 'vigil_agent_kernel_drops_total{kind="exec"}')).toBe(2);
    expect(sample(text, 'vigil_agent_kernel_records_total{kind="ptrace"}')).toBe(1);
    expect(sample(text, "vigil_agent_sensor_restarts_total")).toBe(0);
    expect(sample(text, "vigil_agent_spool_events")).toBe(3);
    expect(sample(text, "vigil_agent_spool_bytes")).toBe(21);
    expect(sample(text, "vigil_agent_batches_shipped_total")).toBe(0);
    expect(sample(text, "vigil_agent_ship_latency_seconds_count")).toBe(0);
    expect(sample(text, "vigil_process_resident_memory_bytes")).toBeGreaterThan(0);

    const shipping = shipper.run();
    await expect.poll(() => shipper.stats.batches, { timeout: 30_000 }).toBe(1);
    shipper.stop();
    await shipping;
    events.exec = 7;
    // A new sensor counts from zero: the agent's totals go on from the first one's.
    gaps.count = 1;
    kernel.sensorRestarted();
    kernel.update({
      kind: "stats",
      emitted: [0n, 1n, 0n, 0n, 0n, 0n, 0n, 0n],
      dropped: [0n, 3n, 0n, 0n, 0n, 0n, 0n, 0n],
    } as Parameters<KernelCounts["update"]>[0]);
    text = await scrape();
    expect(sample(text, 'vigil_agent_kernel_records_total{kind="exec"}')).toBe(6);
    expect(sample(text, 'vigil_agent_kernel_drops_total{kind="exec"}')).toBe(5);
    expect(sample(text, "vigil_agent_sensor_restarts_total")).toBe(1);
    expect(sample(text, 'vigil_agent_events_total{type="exec"}')).toBe(7);
    expect(sample(text, "vigil_agent_spool_events")).toBe(0);
    expect(sample(text, "vigil_agent_batches_shipped_total")).toBe(1);
    expect(sample(text, "vigil_agent_shipped_events_total")).toBe(3);
    expect(sample(text, "vigil_agent_ship_latency_seconds_count")).toBe(3);
    expect(sample(text, 'vigil_agent_ship_latency_seconds_bucket{le="+Inf"}')).toBe(3);

    expect((await fetch(`http://127.0.0.1:${address.port}/other`)).status).toBe(404);
  });

  it("logs a port it cannot listen on, and lets the agent go on", async () => {
    const taken = createServer();
    const port = await listening(taken);
    cleanups.push(() => new Promise((resolve) => taken.close(resolve)));
    const errors: string[] = [];
    const log = { ...quiet, error: (msg: string) => errors.push(msg) };
    expect(await serveMetrics(port, () => [], log)).toBeUndefined();
    expect(errors).toEqual([expect.stringMatching(/cannot serve metrics on 127\.0\.0\.1:\d+: .*EADDRINUSE/)]);
  });
});
