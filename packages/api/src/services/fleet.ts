import { type HostRow, hosts, type Store } from "@vigil/db";
import { eq } from "drizzle-orm";
import {
  defaultFleetSetting,
  type FleetSetting,
  fleetSetting,
  type HostStatus,
  hostStatus,
} from "./fleet-status";
import { BundlePlanner } from "./policy-bundle";

/** in sync: the host applies the bundle meant for it; pending: not yet; failed: it refused it (see error). */
export type PolicyState = "in sync" | "pending" | "failed";

export type FleetHost = {
  id: number;
  machineId: string;
  name: string;
  labels: Record<string, string>;
  status: HostStatus;
  lastSeenMs: number;
  firstSeenMs: number;
  os: string | null;
  kernel: string | null;
  agentVersion: string | null;
  /** lsm: can enforce; tracepoint: observe-only; null: the sensor is not running (yet) */
  sensorMode: "lsm" | "tracepoint" | null;
  sensorReason: string | null;
  /** set while a host whose sensor ran in lsm mode reports tracepoint */
  lsmLostMs: number | null;
  policy: {
    state: PolicyState;
    applied: { name: string; version: number }[];
    expected: { name: string; version: number }[];
    error: string | null;
    enforcing: boolean;
  };
  drops: number;
  spoolDepth: number;
  /** The last time the sensor stopped and was started again by its agent (host clock); endMs null while down. */
  sensorGap: { startMs: number; endMs: number | null; reason: string } | null;
  /** How far the host's clock is ahead of the server's (negative: behind), at its last heartbeat. */
  clockSkewMs: number | null;
};

export const fleetSorts = [
  "name",
  "status",
  "lastSeen",
  "mode",
  "agentVersion",
  "kernel",
  "drops",
  "spool",
] as const;
export type FleetSort = (typeof fleetSorts)[number];

export type FleetQuery = {
  /** words found in the name, machine id, labels (`key=value`), OS, kernel or agent version */
  q?: string;
  status?: HostStatus;
  /** "none": the sensor is not running */
  mode?: "lsm" | "tracepoint" | "none";
  /** hosts whose sensor fell back from lsm to tracepoint */
  fellBack?: boolean;
  sort?: FleetSort;
  descending?: boolean;
  offset?: number;
  limit?: number;
};

export type FleetPage = {
  counts: {
    total: number;
    status: Record<HostStatus, number>;
    mode: { lsm: number; tracepoint: number; none: number };
    fellBack: number;
    policy: Record<PolicyState, number>;
  };
  /** the hosts the query matched, before paging */
  matched: number;
  hosts: FleetHost[];
};

const statusOrder: Record<HostStatus, number> = { offline: 0, stale: 1, online: 2 };

/**
 * Every host (or the one with `id`) as the fleet page shows it: status from the last heartbeat, policy state from
 * the bundle meant for it.
 */
export function fleetHosts(store: Store, nowMs: number, id?: number): FleetHost[] {
  const setting = fleetSetting(store) ?? defaultFleetSetting;
  const planner = new BundlePlanner(store);
  const rows = store.db.select().from(hosts);
  return (id === undefined ? rows.all() : rows.where(eq(hosts.id, id)).all()).map((row) =>
    toFleetHost(row, planner, setting, nowMs),
  );
}

function toFleetHost(row: HostRow, planner: BundlePlanner, setting: FleetSetting, nowMs: number): FleetHost {
  const bundle = planner.bundleFor(row);
  const reported = row.policyStatus;
  const state: PolicyState =
    reported?.hash === bundle.hash ? "in sync" : reported?.error ? "failed" : "pending";
  return {
    ...hostFacts(row, setting, nowMs),
    policy: {
      state,
      applied: reported?.applied ?? [],
      expected: bundle.policies.map(({ name, version }) => ({ name, version })),
      error: state === "failed" ? (reported?.error ?? null) : null,
      enforcing: reported?.enforcing ?? false,
    },
  };
}

/** What a host's row and its last heartbeat say, without its policy state (which needs the policies). */
export function hostFacts(row: HostRow, setting: FleetSetting, nowMs: number): Omit<FleetHost, "policy"> {
  return {
    id: row.id,
    machineId: row.machineId,
    name: row.name,
    labels: row.labels,
    status: hostStatus(row.lastSeenMs, nowMs, setting),
    lastSeenMs: row.lastSeenMs,
    firstSeenMs: row.firstSeenMs,
    os: row.os,
    kernel: row.kernel,
    agentVersion: row.agentVersion,
    sensorMode: row.sensorMode,
    sensorReason: row.sensorReason,
    lsmLostMs: row.lsmLostMs,
    drops: Object.values((row.health?.drops ?? {}) as Record<string, number>).reduce((a, b) => a + b, 0),
    spoolDepth: row.spoolDepth ?? 0,
    sensorGap: (row.health?.sensorGap ?? null) as FleetHost["sensorGap"],
    clockSkewMs: (row.health?.clockSkewMs ?? null) as number | null,
  };
}

const searchText = (h: FleetHost) =>
  [
    h.name,
    h.machineId,
    h.os,
    h.kernel,
    h.agentVersion,
    ...Object.entries(h.labels).map(([k, v]) => `${k}=${v}`),
  ]
    .join("\n")
    .toLowerCase();

const sortKeys: Record<FleetSort, (h: FleetHost) => string | number> = {
  name: (h) => h.name.toLowerCase(),
  status: (h) => statusOrder[h.status],
  lastSeen: (h) => h.lastSeenMs,
  mode: (h) => h.sensorMode ?? "",
  agentVersion: (h) => h.agentVersion ?? "",
  kernel: (h) => h.kernel ?? "",
  drops: (h) => h.drops,
  spool: (h) => h.spoolDepth,
};

/** The counts over the whole fleet, and one page of the hosts the query matches, sorted (then by name). */
export function fleetPage(store: Store, query: FleetQuery, nowMs = Date.now()): FleetPage {
  const all = fleetHosts(store, nowMs);
  const counts: FleetPage["counts"] = {
    total: all.length,
    status: { online: 0, stale: 0, offline: 0 },
    mode: { lsm: 0, tracepoint: 0, none: 0 },
    fellBack: 0,
    policy: { "in sync": 0, pending: 0, failed: 0 },
  };
  for (const h of all) {
    counts.status[h.status]++;
    counts.mode[h.sensorMode ?? "none"]++;
    counts.policy[h.policy.state]++;
    if (h.lsmLostMs !== null) counts.fellBack++;
  }
  const words = (query.q ?? "").toLowerCase().split(/\s+/).filter(Boolean);
  const matched = all.filter(
    (h) =>
      (!query.status || h.status === query.status) &&
      (!query.mode || (h.sensorMode ?? "none") === query.mode) &&
      (!query.fellBack || h.lsmLostMs !== null) &&
      (words.length === 0 || words.every((w) => searchText(h).includes(w))),
  );
  const key = sortKeys[query.sort ?? "name"];
  const sign = query.descending ? -1 : 1;
  matched.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka !== kb) return ka < kb ? -sign : sign;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id;
  });
  const offset = query.offset ?? 0;
  return { counts, matched: matched.length, hosts: matched.slice(offset, offset + (query.limit ?? 100)) };
}
