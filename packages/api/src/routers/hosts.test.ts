import { agents, hosts, nsToTime, SqliteEventStore } from "@vigil/db";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { createCaller } from "../root";
import { listAlerts } from "../services/alerts";
import { authenticateAgent, issueNextCredential } from "../services/authenticate";
import { enrollAgent } from "../services/enroll";
import { createEnrollToken } from "../services/enroll-tokens";
import { fleetPage } from "../services/fleet";
import { eventsPerMinute, fleetOverTime, hostHealth } from "../services/fleet-history";
import { type Heartbeat, recordHeartbeat } from "../services/heartbeat";
import { checkHostHealth } from "../services/host-alerts";
import { revokeHostAgents } from "../services/host-detail";
import { policyBundle } from "../services/policy-bundle";
import { testContext, userActor } from "../test-context";

let cleanup = () => {};
afterEach(() => cleanup());

const T0 = Date.UTC(2026, 10, 29, 12, 0, 0);

function beat(mode: "lsm" | "tracepoint" | null, extra: Partial<Heartbeat> = {}): Heartbeat {
  return {
    name: "db-1",
    os: "Debian GNU/Linux 12",
    kernel: "6.18.0",
    agentVersion: "0.1.0",
    sensor: mode && { mode, reason: `${mode} because` },
    capabilities: ["observe"],
    events: { exec: 10 },
    drops: { exec: 0, spool: 0 },
    spool: { depth: 0, bytes: 0, dropped: 0 },
    policyVersion: null,
    ...extra,
  };
}

/** A fresh store with one enrolled host, "db-1", and what its agent authenticates as. */
function fleet() {
  const t = testContext(userActor("admin", "ops"));
  cleanup = t.cleanup;
  const { token } = createEnrollToken(t.store, { name: "prod", labels: { env: "prod" } }, T0);
  const { credential } = enrollAgent(t.store, { token, host: { machineId: "m-db-1", name: "db-1" } }, T0);
  const agent = authenticateAgent(t.store, credential);
  return { ...t, agent, credential, admin: createCaller(t.context) };
}

describe("fleet", () => {
  it("tells online, stale and offline hosts apart by their last heartbeat, with the thresholds admins set", async () => {
    const { store, agent, admin } = fleet();
    const statusAt = (ms: number) =>
      fleetPage(store, {}, ms).hosts.find((h) => h.machineId === "m-db-1")?.status;
    recordHeartbeat(store, agent, beat("tracepoint"), T0);
    expect(statusAt(T0 + 10_000)).toBe("online");
    expect(statusAt(T0 + 59_999)).toBe("online");
    expect(statusAt(T0 + 60_000)).toBe("stale");
    expect(statusAt(T0 + 299_999)).toBe("stale");
    expect(statusAt(T0 + 300_000)).toBe("offline");
    recordHeartbeat(store, agent, beat("tracepoint"), T0 + 400_000);
    expect(statusAt(T0 + 400_001)).toBe("online");

    await admin.settings.update({ fleet: { staleAfterS: 30, offlineAfterS: 120 } });
    expect(statusAt(T0 + 430_000)).toBe("stale");
    expect(statusAt(T0 + 520_000)).toBe("offline");
    await expect(admin.settings.update({ fleet: { staleAfterS: 300, offlineAfterS: 120 } })).rejects.toThrow(
      /stale before it is offline/,
    );
    expect((await admin.settings.get()).fleet).toEqual({
      staleAfterS: 30,
      offlineAfterS: 120,
      dropsAlertAt: 1000,
      spoolAlertAt: 100_000,
    });
    await admin.settings.update({ fleet: null });
    expect(statusAt(T0 + 430_000)).toBe("online");
  });

  it("counts the fleet by status, mode and policy state, and filters, searches and sorts it", async () => {
    const { store, context, hostId } = fleet();
    const add = (name: string, lastSeenMs: number, extra: Partial<typeof hosts.$inferInsert> = {}) =>
      store.db
        .insert(hosts)
        .values({ machineId: `m-${name}`, name, firstSeenMs: 0, lastSeenMs, ...extra })
        .run();
    store.db.delete(hosts).where(eq(hosts.id, hostId)).run(); // the test store's own host has never reported
    const now = Date.now();
    add("web-2", now - 5_000, { sensorMode: "lsm", labels: { env: "prod", tier: "web" }, kernel: "6.1.0" });
    add("web-1", now - 90_000, { sensorMode: "tracepoint", labels: { env: "prod" }, kernel: "6.18.0" });
    add("batch-1", now - 3_600_000, { sensorMode: "tracepoint", lsmLostMs: now - 4_000_000 });
    const viewer = createCaller({ ...context, actor: userActor("viewer", "vic") });
    const page = await viewer.hosts.list({});
    expect(page.counts).toMatchObject({
      total: 4, // with db-1, enrolled and silent since
      status: { online: 1, stale: 1, offline: 2 },
      mode: { lsm: 1, tracepoint: 2, none: 1 },
      fellBack: 1,
    });
    expect(page.hosts.map((h) => h.name)).toEqual(["batch-1", "db-1", "web-1", "web-2"]);
    const names = async (input: Parameters<typeof viewer.hosts.list>[0]) =>
      (await viewer.hosts.list(input)).hosts.map((h) => h.name);
    expect(await names({ status: "offline" })).toEqual(["batch-1", "db-1"]);
    expect(await names({ mode: "lsm" })).toEqual(["web-2"]);
    expect(await names({ fellBack: true })).toEqual(["batch-1"]);
    expect(await names({ q: "env=prod" })).toEqual(["db-1", "web-1", "web-2"]); // db-1 has its token's label
    expect(await names({ q: "tier=web 6.1" })).toEqual(["web-2"]);
    expect(await names({ sort: "lastSeen", descending: true })).toEqual([
      "web-2",
      "web-1",
      "batch-1",
      "db-1",
    ]);
    expect(await names({ sort: "status", limit: 2, offset: 1 })).toEqual(["db-1", "web-1"]);
    expect((await viewer.hosts.list({ limit: 1 })).matched).toBe(4);
  });

  it("says whether each host runs the policies meant for it", async () => {
    const { store, agent, admin } = fleet();
    const policy = `apiVersion: vigil/v1
kind: Policy
name: protect-binaries
mode: audit
selector: { labels: { env: prod } }
rules:
  - id: no-delete
    on: unlink_running
    action: deny
    severity: high
    when: { file.path: "/usr/bin/*" }
`;
    await admin.policies.publish({ yaml: policy, message: "v1", basedOn: null });
    const state = async () => (await admin.hosts.list({ q: "m-db-1" })).hosts[0]?.policy;
    expect(await state()).toMatchObject({
      state: "pending",
      expected: [{ name: "protect-binaries", version: 1 }],
    });
    const bundle = policyBundle(store, agent.hostId);
    const applied = {
      hash: bundle.hash,
      applied: [{ name: "protect-binaries", version: 1 }],
      enforcing: false,
    };
    const refused = { hash: "the-bundle-before", applied: [], enforcing: false, error: "cannot load: bad" };
    recordHeartbeat(store, agent, beat("lsm", { policies: refused }), T0);
    expect(await state()).toMatchObject({ state: "failed", error: "cannot load: bad" });
    recordHeartbeat(store, agent, beat("lsm", { policies: { ...applied, error: null } }), T0);
    expect(await state()).toMatchObject({ state: "in sync", error: null });
    // A label change can take the host out of the policy's selector: its bundle is then another.
    await admin.hosts.setLabels({ id: agent.hostId, labels: { env: "staging" } });
    expect(await state()).toMatchObject({ state: "pending", expected: [] });
  });

  it("keeps each change in what a host applies as its policy history, newest first, the last 100", async () => {
    const { store, agent, admin } = fleet();
    const state = (hash: string | null, error: string | null = null) => ({
      hash,
      applied: hash ? [{ name: "p", version: Number(hash.slice(1)) }] : [],
      error,
      enforcing: hash !== null,
    });
    const history = async () => (await admin.hosts.get({ id: agent.hostId })).policyHistory;
    recordHeartbeat(store, agent, beat("lsm"), T0); // an agent that reports no policy state adds nothing
    recordHeartbeat(store, agent, beat("lsm", { policies: state(null) }), T0 + 1_000);
    recordHeartbeat(store, agent, beat("lsm", { policies: state(null) }), T0 + 2_000); // the same again
    recordHeartbeat(store, agent, beat("lsm", { policies: state("v1") }), T0 + 3_000);
    recordHeartbeat(store, agent, beat("lsm", { policies: state("v1", "cannot load v2: bad") }), T0 + 4_000);
    expect(await history()).toEqual([
      { timeMs: T0 + 4_000, ...state("v1", "cannot load v2: bad") },
      { timeMs: T0 + 3_000, ...state("v1") },
      { timeMs: T0 + 1_000, ...state(null) },
    ]);
    for (let v = 2; v <= 120; v++)
      recordHeartbeat(store, agent, beat("lsm", { policies: state(`v${v}`) }), T0 + v * 10_000);
    const kept = store.sqlite.prepare("SELECT count(*) FROM host_policy_changes").pluck().get();
    expect(kept).toBe(100);
    const shown = await history();
    expect(shown).toHaveLength(50);
    expect(shown[0]?.hash).toBe("v120");
  });

  it("flags a host whose sensor fell back from lsm to tracepoint, also across an agent restart", () => {
    const { store, agent } = fleet();
    const flagged = () => store.db.select().from(hosts).where(eq(hosts.id, agent.hostId)).get()?.lsmLostMs;
    recordHeartbeat(store, agent, beat("tracepoint"), T0);
    expect(flagged()).toBeNull(); // observe-only from the start: not a fall-back
    recordHeartbeat(store, agent, beat("lsm"), T0 + 60_000);
    recordHeartbeat(store, agent, beat(null), T0 + 120_000); // restarted (a new kernel): sensor not up yet
    recordHeartbeat(store, agent, beat("tracepoint"), T0 + 121_000);
    expect(flagged()).toBe(T0 + 121_000);
    recordHeartbeat(store, agent, beat("tracepoint"), T0 + 180_000);
    expect(flagged()).toBe(T0 + 121_000);
    expect(fleetPage(store, { fellBack: true }, T0 + 180_000).hosts.map((h) => h.name)).toEqual(["db-1"]);
    recordHeartbeat(store, agent, beat("lsm"), T0 + 240_000);
    expect(flagged()).toBeNull();
  });

  it("keeps each host's health and the fleet's size over time from heartbeats and rollups", async () => {
    const { store, agent } = fleet();
    recordHeartbeat(store, agent, beat("lsm", { spool: { depth: 40, bytes: 9, dropped: 0 } }), T0);
    recordHeartbeat(store, agent, beat("lsm", { drops: { exec: 3, spool: 2 } }), T0 + 60_000);
    recordHeartbeat(store, agent, beat(null), T0 + 3_600_000);
    store.sqlite
      .prepare("INSERT INTO event_rollups (minute, host_id, type, count) VALUES (?, ?, 0, 7), (?, ?, 1, 5)")
      .run(T0 / 60_000 - 2, agent.hostId, T0 / 60_000, agent.hostId);
    store.sqlite
      .prepare("INSERT INTO event_rollups_hourly (hour, host_id, type, count) VALUES (?, ?, 0, 12)")
      .run(T0 / 3_600_000, agent.hostId);

    const events = new SqliteEventStore(store);
    const perMinute = (await eventsPerMinute(store, events, [agent.hostId], T0 + 1_000, 5))[agent.hostId];
    expect(perMinute).toEqual([0, 0, 7, 0, 5]);

    const health = await hostHealth(store, events, agent.hostId, T0 + 3_600_000, 3);
    expect(health).toEqual([
      { timeMs: T0 - 3_600_000, events: 0, drops: null, spoolDepth: null },
      { timeMs: T0, events: 12, drops: 5, spoolDepth: 40 },
      { timeMs: T0 + 3_600_000, events: 0, drops: 0, spoolDepth: 0 }, // a restarted agent counts from 0
    ]);

    const points = fleetOverTime(store, T0 + 3_600_000, 2, 60);
    expect(points).toEqual([
      { timeMs: T0, lsm: 1, tracepoint: 0, none: 0 },
      { timeMs: T0 + 3_600_000, lsm: 0, tracepoint: 0, none: 1 },
    ]);
  });

  it("lets admins label hosts and revoke their agents (audited); refuses viewers and analysts", async () => {
    const { store, agent, credential, admin, context } = fleet();
    for (const role of ["viewer", "analyst"] as const) {
      const lower = createCaller({ ...context, actor: userActor(role) });
      await expect(lower.hosts.list({})).resolves.toBeTruthy();
      await expect(lower.hosts.get({ id: agent.hostId })).resolves.toBeTruthy();
      await expect(lower.hosts.setLabels({ id: agent.hostId, labels: { env: "x" } })).rejects.toThrow(
        expect.objectContaining({ code: "FORBIDDEN" }),
      );
      await expect(lower.hosts.revokeAgent({ id: agent.hostId })).rejects.toThrow(
        expect.objectContaining({ code: "FORBIDDEN" }),
      );
      await expect(lower.hosts.rotateCredential({ id: agent.hostId })).rejects.toThrow(
        expect.objectContaining({ code: "FORBIDDEN" }),
      );
    }
    const anonymous = createCaller({ ...context, actor: null });
    await expect(anonymous.hosts.list({})).rejects.toThrow(expect.objectContaining({ code: "UNAUTHORIZED" }));

    await expect(admin.hosts.setLabels({ id: agent.hostId, labels: { "bad key": "x" } })).rejects.toThrow(
      /label key/,
    );
    await expect(admin.hosts.setLabels({ id: 999, labels: {} })).rejects.toThrow(/no host with id 999/);
    await admin.hosts.setLabels({ id: agent.hostId, labels: { env: "prod", role: "db" } });
    expect((await admin.hosts.get({ id: agent.hostId })).host.labels).toEqual({ env: "prod", role: "db" });

    expect(await admin.hosts.revokeAgent({ id: agent.hostId })).toEqual({ revoked: 1 });
    expect(() => authenticateAgent(store, credential)).toThrow(/revoked/);
    const detail = await admin.hosts.get({ id: agent.hostId });
    expect(detail.agents).toEqual([
      {
        id: agent.agentId,
        createdMs: T0,
        revokedMs: expect.any(Number),
        enrollToken: "prod",
        rotateRequestedMs: null,
        rotatedMs: null,
      },
    ]);
    expect(store.db.select().from(agents).all()).toHaveLength(1);
    const audit = store.sqlite.prepare("SELECT actor, action, target FROM audit_log ORDER BY id").all();
    expect(audit).toEqual([
      { actor: "user:ops", action: "host labels changed", target: `host:${agent.hostId}` },
      { actor: "user:ops", action: "host agent revoked", target: `host:${agent.hostId}` },
    ]);
  });

  it("rotates an agent's credential: the old one works until the new one is first used, then is refused", async () => {
    const { store, credential, admin, agent } = fleet();
    expect(() => issueNextCredential(store, authenticateAgent(store, credential))).toThrow(
      /no new credential/,
    );
    expect(authenticateAgent(store, credential).rotateCredential).toBe(false);

    expect(await admin.hosts.rotateCredential({ id: agent.hostId })).toEqual({ agents: 1 });
    const asked = authenticateAgent(store, credential);
    expect(asked.rotateCredential).toBe(true); // what its heartbeats are answered
    const lost = issueNextCredential(store, asked).credential; // the agent could not save this one
    const { credential: next } = issueNextCredential(store, authenticateAgent(store, credential));
    expect(next).not.toBe(credential);
    expect(() => authenticateAgent(store, lost)).toThrow(/unknown agent credential/);
    expect(authenticateAgent(store, credential).rotateCredential).toBe(true); // still valid until `next` is used

    const rotated = authenticateAgent(store, next, T0 + 5_000);
    expect(rotated).toMatchObject({ agentId: agent.agentId, hostId: agent.hostId, rotateCredential: false });
    expect(() => authenticateAgent(store, credential)).toThrow(/unknown agent credential/);
    expect(authenticateAgent(store, next).rotateCredential).toBe(false);
    expect((await admin.hosts.get({ id: agent.hostId })).agents[0]).toMatchObject({
      rotateRequestedMs: null,
      rotatedMs: T0 + 5_000,
    });

    revokeHostAgents(store, agent.hostId);
    await expect(admin.hosts.rotateCredential({ id: agent.hostId })).rejects.toThrow(/no enrolled agent/);
    await expect(admin.hosts.rotateCredential({ id: 999 })).rejects.toThrow(/no host with id 999/);
    const audit = store.sqlite.prepare("SELECT action FROM audit_log").pluck().all();
    expect(audit).toEqual(["host credential rotation asked"]);
  });

  it("raises one alert per sensor gap, with its start, and keeps the last gap across agent restarts", () => {
    const { store, agent } = fleet();
    const gapAt = T0 - 5_000;
    const gaps = (endMs: number | null) => ({
      count: 1,
      last: { startMs: gapAt, endMs, reason: "killed by SIGKILL" },
    });
    const gapAlerts = () =>
      listAlerts(store, { statuses: [], limit: 10 }).alerts.filter((a) => a.rule === "host-sensor-gap");
    const shown = () =>
      fleetPage(store, {}, T0 + 60_000).hosts.find((h) => h.machineId === "m-db-1")?.sensorGap;

    recordHeartbeat(store, agent, beat("tracepoint"), T0 - 10_000);
    expect(shown()).toBeNull();
    recordHeartbeat(store, agent, beat(null, { sensorGaps: gaps(null) }), T0);
    expect(shown()).toEqual({ startMs: gapAt, endMs: null, reason: "killed by SIGKILL" });
    recordHeartbeat(store, agent, beat("tracepoint", { sensorGaps: gaps(gapAt + 1_500) }), T0 + 10_000);
    recordHeartbeat(store, agent, beat("tracepoint", { sensorGaps: { count: 0, last: null } }), T0 + 20_000);
    expect(shown()).toEqual({ startMs: gapAt, endMs: gapAt + 1_500, reason: "killed by SIGKILL" });
    expect(gapAlerts().map((a) => [a.count, a.hosts, a.severity])).toEqual([[1, ["db-1"], "high"]]);
    expect(gapAlerts()[0]?.first).toBe(nsToTime(BigInt(gapAt) * 1_000_000n));

    const later = {
      count: 1,
      last: { startMs: T0 + 25_000, endMs: T0 + 26_000, reason: "exited with code 1" },
    };
    recordHeartbeat(store, agent, beat("tracepoint", { sensorGaps: later }), T0 + 30_000);
    expect(gapAlerts().map((a) => a.count)).toEqual([2]);
  });

  it("knows how far each host's clock is off, and alerts past 30 s once per episode", () => {
    const { store, agent } = fleet();
    const skew = () => fleetPage(store, {}, T0).hosts.find((h) => h.machineId === "m-db-1")?.clockSkewMs;
    recordHeartbeat(store, agent, beat("tracepoint"), T0);
    expect(skew()).toBeNull(); // an agent that does not say its time
    recordHeartbeat(store, agent, beat("tracepoint", { clockMs: T0 + 1_000 - 20_000 }), T0 + 1_000);
    expect(skew()).toBe(-20_000);
    expect(checkHostHealth(store, T0 + 1_000)).toEqual([]);
    recordHeartbeat(store, agent, beat("tracepoint", { clockMs: T0 + 2_000 + 7_200_000 }), T0 + 2_000);
    expect(skew()).toBe(7_200_000);
    expect(checkHostHealth(store, T0 + 2_000)).toEqual([{ host: "db-1", rule: "host-clock-skew" }]);
    expect(checkHostHealth(store, T0 + 3_000)).toEqual([]);
    recordHeartbeat(store, agent, beat("tracepoint", { clockMs: T0 + 4_000 }), T0 + 4_000);
    checkHostHealth(store, T0 + 4_000);
    recordHeartbeat(store, agent, beat("tracepoint", { clockMs: T0 + 5_000 - 40_000 }), T0 + 5_000);
    expect(checkHostHealth(store, T0 + 5_000)).toEqual([{ host: "db-1", rule: "host-clock-skew" }]);
  });

  it("raises an alert when a host goes offline, falls back from lsm, drops events or backs up, once per episode", () => {
    const { store, agent } = fleet();
    const { token } = createEnrollToken(store, { name: "other" }, T0);
    enrollAgent(store, { token, host: { machineId: "m-silent", name: "silent" } }, T0); // never reports
    recordHeartbeat(store, agent, beat("lsm"), T0);
    expect(checkHostHealth(store, T0 + 10_000)).toEqual([]);
    expect(checkHostHealth(store, T0 + 300_000)).toEqual([{ host: "db-1", rule: "host-offline" }]);
    expect(checkHostHealth(store, T0 + 400_000)).toEqual([]); // the same episode

    const troubled = beat("tracepoint", {
      drops: { exec: 1500, spool: 0 },
      spool: { depth: 100_000, bytes: 1, dropped: 0 },
    });
    recordHeartbeat(store, agent, troubled, T0 + 500_000);
    expect(checkHostHealth(store, T0 + 510_000).map((r) => r.rule)).toEqual([
      "host-sensor-fell-back",
      "host-drops",
      "host-spool-backlog",
    ]);
    expect(checkHostHealth(store, T0 + 800_000)).toEqual([{ host: "db-1", rule: "host-offline" }]); // again
    const alerts = listAlerts(store, { statuses: [], limit: 10 }).alerts;
    expect(alerts.map((a) => [a.rule, a.count, a.hosts, a.latest])).toEqual([
      ["host-spool-backlog", 1, ["db-1"], null],
      ["host-drops", 1, ["db-1"], null],
      ["host-sensor-fell-back", 1, ["db-1"], null],
      ["host-offline", 2, ["db-1"], null],
    ]);

    recordHeartbeat(store, agent, beat("lsm"), T0 + 900_000);
    expect(checkHostHealth(store, T0 + 900_000)).toEqual([]);
    revokeHostAgents(store, agent.hostId);
    expect(checkHostHealth(store, T0 + 2_000_000)).toEqual([]); // revoked: its silence is expected
  });
});
