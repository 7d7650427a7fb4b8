"use client";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { printable } from "@/components/printable";
import { useTRPC } from "@/trpc/react";
import { ago, type HostStatus, Labels, SensorMode, Sparkline, StatusBadge } from "./host-parts";

type Sort = "name" | "status" | "lastSeen" | "mode" | "agentVersion" | "kernel" | "drops" | "spool";
type Mode = "lsm" | "tracepoint" | "none";
type Filters = { q: string; status?: HostStatus; mode?: Mode; fellBack?: boolean };
const PAGE = 100;
/** The table's columns, and what sorts by each (the others do not sort). */
const columns: [string, Sort | null][] = [
  ["Host", "name"],
  ["Labels", null],
  ["Status", "status"],
  ["Sensor", "mode"],
  ["Policies", null],
  ["Events/min", null],
  ["Drops", "drops"],
  ["Spool", "spool"],
  ["Agent", "agentVersion"],
  ["Kernel", "kernel"],
  ["Last seen", "lastSeen"],
];

function Count(props: { label: string; n: number; on: boolean; onClick: () => void; tone?: string }) {
  return (
    <button
      type="button"
      className={`count-card ${props.tone ?? ""} ${props.on ? "on" : ""}`}
      onClick={props.onClick}
      aria-pressed={props.on}
    >
      <span className="n">{props.n.toLocaleString()}</span>
      <span className="what">{props.label}</span>
    </button>
  );
}

function SortHeader(props: {
  label: string;
  sort: Sort;
  current: Sort;
  descending: boolean;
  onSort: (s: Sort) => void;
}) {
  const active = props.sort === props.current;
  return (
    <th aria-sort={active ? (props.descending ? "descending" : "ascending") : undefined}>
      <button type="button" className="sort" onClick={() => props.onSort(props.sort)}>
        {props.label}
        {active ? (props.descending ? " ▼" : " ▲") : ""}
      </button>
    </th>
  );
}

function FleetOverTime() {
  const trpc = useTRPC();
  const history = useQuery(trpc.hosts.history.queryOptions(undefined, { refetchInterval: 60_000 }));
  if (!history.data) return null;
  const data = history.data.map((p) => ({ ...p, time: new Date(p.timeMs).toISOString().slice(11, 16) }));
  return (
    <div className="card panel">
      <h2>Hosts reporting, last 24 hours</h2>
      <ResponsiveContainer width="100%" height={180}>
        <AreaChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="time" minTickGap={40} fontSize={11} />
          <YAxis allowDecimals={false} fontSize={11} width={40} />
          <Tooltip />
          <Legend />
          <Area
            type="linear"
            dataKey="lsm"
            name="lsm (enforces)"
            stackId="m"
            stroke="#2da44e"
            fill="#2da44e"
            isAnimationActive={false}
          />
          <Area
            type="linear"
            dataKey="tracepoint"
            name="tracepoint (observes)"
            stackId="m"
            stroke="#4f7cff"
            fill="#4f7cff"
            isAnimationActive={false}
          />
          <Area
            type="linear"
            dataKey="none"
            name="no sensor"
            stackId="m"
            stroke="#8a94a6"
            fill="#8a94a6"
            isAnimationActive={false}
          />
        </AreaChart>
      </ResponsiveContainer>
    </div>
  );
}

/** The fleet at a glance: counts that filter, a searchable sortable table, and the fleet over the last day. */
export function FleetView() {
  const trpc = useTRPC();
  const [filters, setFilters] = useState<Filters>({ q: "" });
  const [sort, setSort] = useState<{ by: Sort; descending: boolean }>({ by: "name", descending: false });
  const [offset, setOffset] = useState(0);
  const list = useQuery(
    trpc.hosts.list.queryOptions(
      {
        ...filters,
        q: filters.q || undefined,
        sort: sort.by,
        descending: sort.descending,
        offset,
        limit: PAGE,
      },
      { refetchInterval: 10_000, placeholderData: keepPreviousData },
    ),
  );
  const filter = (change: Partial<Filters>) => {
    setFilters({ ...filters, ...change });
    setOffset(0);
  };
  const toggle = <K extends keyof Filters>(key: K, value: Filters[K]) =>
    filter({ [key]: filters[key] === value ? undefined : value } as Partial<Filters>);
  const onSort = (by: Sort) => setSort({ by, descending: sort.by === by ? !sort.descending : false });
  const data = list.data;
  return (
    <section className="fleet">
      <h1>Hosts</h1>
      {list.isError && (
        <p role="alert" className="error">
          Cannot load the hosts: {list.error.message}
        </p>
      )}
      {data && (
        <>
          <fieldset className="counts" aria-label="Fleet counts">
            <Count
              label="hosts"
              n={data.counts.total}
              on={false}
              onClick={() => filter({ status: undefined, mode: undefined, fellBack: undefined })}
            />
            {(["online", "stale", "offline"] as const).map((status) => (
              <Count
                key={status}
                label={status}
                tone={{ online: "good", stale: "warn", offline: "bad" }[status]}
                n={data.counts.status[status]}
                on={filters.status === status}
                onClick={() => toggle("status", status)}
              />
            ))}
            {(["lsm", "tracepoint", "none"] as const).map((mode) => (
              <Count
                key={mode}
                label={{ lsm: "lsm · enforce", tracepoint: "tracepoint · observe", none: "no sensor" }[mode]}
                n={data.counts.mode[mode]}
                on={filters.mode === mode}
                onClick={() => toggle("mode", mode)}
              />
            ))}
            <Count
              label="fell back from lsm"
              tone={data.counts.fellBack > 0 ? "bad" : ""}
              n={data.counts.fellBack}
              on={filters.fellBack === true}
              onClick={() => toggle("fellBack", true)}
            />
            <span className="policy-counts muted small">
              policies: {data.counts.policy["in sync"]} in sync · {data.counts.policy.pending} pending ·{" "}
              {data.counts.policy.failed} failed
            </span>
          </fieldset>
          <FleetOverTime />
        </>
      )}
      <div className="filters panel">
        <label className="field">
          Search
          <input
            type="search"
            placeholder="name, label (env=prod), kernel, version…"
            value={filters.q}
            onChange={(e) => filter({ q: e.target.value })}
            maxLength={200}
          />
        </label>
      </div>
      {data &&
        (data.hosts.length === 0 ? (
          <p className="muted">
            {data.counts.total === 0
              ? "No host has enrolled yet: see Enrollment."
              : "No host matches these filters."}
          </p>
        ) : (
          <table className="events plain hosts">
            <thead>
              <tr>
                {columns.map(([label, by]) =>
                  by ? (
                    <SortHeader
                      key={label}
                      label={label}
                      sort={by}
                      current={sort.by}
                      descending={sort.descending}
                      onSort={onSort}
                    />
                  ) : (
                    <th key={label}>{label}</th>
                  ),
                )}
              </tr>
            </thead>
            <tbody>
              {data.hosts.map((h) => (
                <tr key={h.id}>
                  <td>
                    <Link href={`/hosts/${h.id}`}>{printable(h.name)}</Link>
                  </td>
                  <td>
                    <Labels labels={h.labels} />
                  </td>
                  <td>
                    <StatusBadge status={h.status} />
                  </td>
                  <td>
                    <SensorMode mode={h.sensorMode} reason={h.sensorReason} lsmLostMs={h.lsmLostMs} />
                  </td>
                  <td title={h.policy.error ? printable(h.policy.error) : undefined}>
                    <span className={`policy-${h.policy.state.replace(" ", "-")}`}>{h.policy.state}</span>
                    {h.policy.enforcing && <span className="muted small"> · enforcing</span>}
                  </td>
                  <td>
                    <Sparkline points={h.eventsPerMinute} />
                  </td>
                  <td className={h.drops > 0 ? "error" : undefined}>{h.drops.toLocaleString()}</td>
                  <td>{h.spoolDepth.toLocaleString()}</td>
                  <td className="mono">{h.agentVersion ? printable(h.agentVersion) : "—"}</td>
                  <td className="mono">{h.kernel ? printable(h.kernel) : "—"}</td>
                  <td title={new Date(h.lastSeenMs).toISOString()}>{ago(h.lastSeenMs, data.nowMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      {data && data.matched > PAGE && (
        <div className="more">
          <span className="muted small">
            {offset + 1}–{Math.min(offset + PAGE, data.matched)} of {data.matched.toLocaleString()}{" "}
          </span>
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
            Previous
          </button>{" "}
          <button
            type="button"
            disabled={offset + PAGE >= data.matched}
            onClick={() => setOffset(offset + PAGE)}
          >
            Next
          </button>
        </div>
      )}
    </section>
  );
}
