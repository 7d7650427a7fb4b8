import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimulatedFleet } from "../fleet-sim/fleet";
import { cli, dataDir, exportedEvents, freePort, type Running, startAgent, startServer } from "./processes";

const HOSTS_PER_LABEL = 250;

describe("a fleet of 500 simulated hosts and the real local agent", () => {
  const data = dataDir();
  let server: Running;
  let agent: Running;
  let base: string;
  let adminToken: string;
  const agentDir = mkdtempSync(join(tmpdir(), "vigil-agent-"));
  const fleets: SimulatedFleet[] = [];
  /** Every secret of the run, for the last test: none may be in a log. */
  const secrets: string[] = [data.enrollToken, data.apiToken];

  const trpc = async <T>(path: string, input: unknown, method: "GET" | "POST" = "GET"): Promise<T> => {
    const query = method === "GET" ? `?input=${encodeURIComponent(JSON.stringify(input))}` : "";
    const response = await fetch(`${base}/api/trpc/${path}${query}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: method === "POST" ? JSON.stringify(input) : undefined,
    });
    const body = (await response.json()) as { result?: { data: T }; error?: unknown };
    if (!body.result) throw new Error(`${path}: ${response.status} ${JSON.stringify(body.error)}`);
    return body.result.data;
  };
  const vigil = (...args: string[]) =>
    execFileSync(cli, ["--data-dir", data.dir, ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();

  beforeAll(async () => {
    base = `http://127.0.0.1:${await freePort()}`;
    server = await startServer(data.dir, Number(new URL(base).port));
    agent = await startAgent(base, agentDir, data.enrollToken);
    adminToken = vigil("token", "create", "--role", "admin", "--name", "fleet-test");
    secrets.push(adminToken);
    for (const env of ["prod", "staging"]) {
      const token = vigil("enroll-token", "create", "--name", env, "--labels", `env=${env}`);
      secrets.push(token);
      fleets.push(
        await SimulatedFleet.start({
          server: base,
          enrollToken: token,
          hosts: HOSTS_PER_LABEL,
          prefix: env,
          rate: 1,
          lsmShare: env === "prod" ? 1 : 0,
          shipS: 5,
          heartbeatS: 10,
        }),
      );
    }
  });

  afterAll(async () => {
    const started = Date.now();
    await Promise.all(fleets.map((f) => f.stop()));
    const fleetsStopped = Date.now();
    await agent?.stop();
    await server?.stop();
    console.log(
      `stopped: fleets in ${fleetsStopped - started} ms, then the agent and server in ${Date.now() - fleetsStopped} ms`,
    );
    data.cleanup();
  });

  type Page = {
    counts: { total: number; status: { online: number }; mode: { lsm: number; tracepoint: number } };
  };

  it("counts every host, online, by sensor mode, in the API and on the fleet page", async () => {
    await expect
      .poll(async () => (await trpc<Page>("hosts.list", { limit: 1 })).counts, {
        timeout: 60_000,
        interval: 1000,
      })
      .toMatchObject({ total: 501, status: { online: 501 }, mode: { lsm: 250, tracepoint: 251 } });

    const browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-background-networking"],
    });
    try {
      const page = await browser.newPage({ baseURL: base });
      await page.goto("/hosts");
      await page.getByLabel("User name").fill("admin");
      await page.getByLabel("Password").fill("a password for the tests");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL("**/events");
      await page.goto("/hosts");
      const counts = page.getByRole("group", { name: "Fleet counts" });
      await expect.poll(() => counts.getByRole("button", { name: /hosts$/ }).textContent()).toBe("501hosts");
      expect(await counts.getByRole("button", { name: /online$/ }).textContent()).toBe("501online");
      expect(await page.locator("table.hosts tbody tr").count()).toBe(100); // a page at a time
      await page.getByLabel("Search").fill("env=staging");
      await expect.poll(() => page.getByText("1–100 of 250").count()).toBe(1);
    } finally {
      await browser.close();
    }
  });

  it("rolls a policy out to exactly the hosts with its label, and shows every host's acknowledgement", async () => {
    const yaml = `apiVersion: vigil/v1
kind: Policy
name: prod-binaries
mode: audit
selector: { labels: { env: prod } }
rules:
  - id: no-delete
    on: unlink_running
    action: deny
    severity: high
    when: { file.path: "/usr/bin/*" }
`;
    const [prod, staging] = fleets as [SimulatedFleet, SimulatedFleet];
    const bundles = (fleet: SimulatedFleet) => [...new Set(fleet.hosts.map((h) => h.stats.appliedHash))];
    const empty = bundles(staging); // no policy yet: every host applies the same empty bundle
    expect(empty).toHaveLength(1);
    expect(bundles(prod)).toEqual(empty);
    await trpc("policies.publish", { yaml, message: "first", basedOn: null }, "POST");
    await expect.poll(() => bundles(prod), { timeout: 60_000 }).not.toContain(empty[0]);
    expect(bundles(prod)).toHaveLength(1);
    expect(bundles(staging)).toEqual(empty);

    type Rollout = { hosts: { name: string; state: string; version: number | null }[] };
    await expect
      .poll(
        async () => {
          const rollout = await trpc<Rollout>("policies.rollout", { name: "prod-binaries" });
          return rollout.hosts.filter((h) => h.state === "applied").length;
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toBe(HOSTS_PER_LABEL);
    const rollout = await trpc<Rollout>("policies.rollout", { name: "prod-binaries" });
    expect(rollout.hosts).toHaveLength(HOSTS_PER_LABEL);
    expect(rollout.hosts.every((h) => h.name.startsWith("prod-") && h.version === 1)).toBe(true);

    type Policies = { counts: { policy: Record<string, number> } };
    await expect
      .poll(async () => (await trpc<Policies>("hosts.list", { limit: 1 })).counts.policy, { timeout: 30_000 })
      .toEqual({ "in sync": 501, pending: 0, failed: 0 });
    const local = readFileSync("/proc/sys/kernel/hostname", "utf8").trim();
    const mine = await trpc<{ hosts: { name: string; policy: { expected: unknown[] } }[] }>("hosts.list", {
      q: local,
    });
    expect(mine.hosts.find((h) => h.name === local)?.policy.expected).toEqual([]);
  });

  it("rotates the real agent's credential from its host: the agent takes the new one, the old is refused, events flow", async () => {
    const local = readFileSync("/proc/sys/kernel/hostname", "utf8").trim();
    const list = await trpc<{ hosts: { id: number; name: string }[] }>("hosts.list", { q: local });
    const hostId = list.hosts.find((h) => h.name === local)?.id as number;
    const saved = () =>
      (JSON.parse(readFileSync(join(agentDir, "agent.json"), "utf8")) as { credential: string }).credential;
    const old = saved();
    secrets.push(old);
    const heartbeatWith = (credential: string) =>
      fetch(`${base}/api/agent/v1/heartbeat`, {
        method: "POST",
        headers: { authorization: `Bearer ${credential}`, "content-type": "application/json" },
        body: "{}",
      }).then((r) => r.status);
    expect(await heartbeatWith(old)).toBe(400); // known credential, not a heartbeat

    expect(await trpc("hosts.rotateCredential", { id: hostId }, "POST")).toEqual({ agents: 1 });
    await expect.poll(saved, { timeout: 30_000 }).not.toBe(old);
    type Detail = { agents: { rotateRequestedMs: number | null; rotatedMs: number | null }[] };
    await expect
      .poll(async () => (await trpc<Detail>("hosts.get", { id: hostId })).agents[0], { timeout: 30_000 })
      .toMatchObject({ rotateRequestedMs: null, rotatedMs: expect.any(Number) });
    expect(await heartbeatWith(old)).toBe(401);
    expect(await heartbeatWith(saved())).toBe(400);
    expect(agent.output).toContain("credential rotated");
    secrets.push(saved());

    const marker = `rotated-${Date.now()}`;
    execFileSync("/bin/true", [marker]);
    await expect
      .poll(async () => (await exportedEvents(base, adminToken, `type=exec&q=${marker}`)).length, {
        timeout: 30_000,
        interval: 1000,
      })
      .toBe(1);
    expect(agent.output).not.toMatch(/refused \(401\)/);
  });

  it("writes no secret of the run to the agent's or the server's log: enrollment tokens, credentials, the API token", () => {
    expect(secrets).toHaveLength(7); // the data dir's enrollment and API tokens, two more enrollment tokens, the admin's, two credentials
    expect(agent.output).toContain("credential rotated"); // the logs are the run's, not empty
    expect(server.output).toContain("Ready in");
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThanOrEqual(20);
      expect(agent.output).not.toContain(secret);
      expect(server.output).not.toContain(secret);
    }
  });
});
