import { agents, hosts, type Store } from "@vigil/db";
import { eq, isNull } from "drizzle-orm";
import { AlertRecorder } from "./alerts";
import type { Detection } from "./detections";
import { type FleetHost, hostFacts } from "./fleet";
import { defaultFleetSetting, type FleetSetting, fleetSetting } from "./fleet-status";

/** Event times come from the host's clock: past this, times across hosts no longer line up for an analyst. */
const CLOCK_SKEW_ALERT_MS = 30_000;

type HostRule = Pick<Detection, "rule" | "severity" | "title"> & {
  wrong: (host: Omit<FleetHost, "policy">, setting: FleetSetting) => boolean;
};

/** What can be wrong with a host that no event shows. Each is raised once per episode, and clears on recovery. */
export const hostRules: HostRule[] = [
  {
    rule: "host-offline",
    severity: "high",
    title: "A host stopped reporting: its agent is offline",
    wrong: (h) => h.status === "offline",
  },
  {
    rule: "host-sensor-fell-back",
    severity: "high",
    title: "A host's sensor fell back from lsm to tracepoint: it can no longer enforce",
    wrong: (h) => h.lsmLostMs !== null,
  },
  {
    rule: "host-clock-skew",
    severity: "medium",
    title: "A host's clock is more than 30 s off the server's: its event times are off as much",
    wrong: (h) => h.clockSkewMs !== null && Math.abs(h.clockSkewMs) > CLOCK_SKEW_ALERT_MS,
  },
  {
    rule: "host-drops",
    severity: "medium",
    title: "A host's agent dropped events",
    wrong: (h, s) => h.drops >= s.dropsAlertAt,
  },
  {
    rule: "host-spool-backlog",
    severity: "medium",
    title: "A host's agent holds a backlog of events it has not shipped",
    wrong: (h, s) => h.spoolDepth >= s.spoolAlertAt,
  },
];

/**
 * Raises an alert for each host that went wrong since the last check (a revoked or never-reporting host is not
 * watched), and forgets the ones that recovered so their next episode alerts again. Returns what it raised.
 */
export function checkHostHealth(store: Store, nowMs = Date.now()): { host: string; rule: string }[] {
  const setting = fleetSetting(store) ?? defaultFleetSetting;
  const recorder = new AlertRecorder(store.sqlite);
  const watched = new Set(
    store.db
      .selectDistinct({ hostId: agents.hostId })
      .from(agents)
      .where(isNull(agents.revokedMs))
      .all()
      .map((a) => a.hostId),
  );
  const raised: { host: string; rule: string }[] = [];
  store.sqlite
    .transaction(() => {
      for (const row of store.db.select().from(hosts).all()) {
        const host = hostFacts(row, setting, nowMs);
        if (!watched.has(host.id) || host.agentVersion === null) continue;
        const before = row.healthAlerts;
        const now = hostRules.filter((r) => r.wrong(host, setting)).map((r) => r.rule);
        for (const rule of hostRules) {
          if (!now.includes(rule.rule) || before.includes(rule.rule)) continue;
          recorder.raise(rule, host.id, null, BigInt(nowMs) * 1_000_000n, nowMs);
          raised.push({ host: host.name, rule: rule.rule });
        }
        if (JSON.stringify(now) !== JSON.stringify(before)) {
          store.db.update(hosts).set({ healthAlerts: now }).where(eq(hosts.id, host.id)).run();
        }
      }
    })
    .immediate();
  return raised;
}
