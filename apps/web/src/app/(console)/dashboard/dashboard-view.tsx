"use client";
import { useQuery } from "@tanstack/react-query";
import type { Dashboard, DashboardRange } from "@vigil/api";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { printable } from "@/components/printable";
import { useTRPC } from "@/trpc/react";
import { exactGlob } from "../events/filters";

const ranges: DashboardRange[] = ["1h", "24h", "7d"];
const typeColors = {
  exec: "#4f7cff",
  fork: "#8a94a6",
  exit: "#b8bfcc",
  unlink_running: "#e5484d",
  ptrace: "#f76b15",
  mem_write: "#ab4aba",
} as const;
const types = Object.keys(typeColors) as (keyof typeof typeColors)[];

const explore = (params: Record<string, string>) => `/events?${new URLSearchParams(params)}`;

function Ranked(props: {
  title: string;
  rows: { label: string; count: number; href: string }[];
  empty: string;
}) {
  const max = Math.max(1, ...props.rows.map((r) => r.count));
  return (
    <div className="card panel">
      <h2>{props.title}</h2>
      {props.rows.length === 0 ? (
        <p className="muted">{props.empty}</p>
      ) : (
        <ol className="ranked">
          {props.rows.map((r) => (
            <li key={r.label}>
              <Link href={r.href} className="mono">
                {printable(r.label)}
              </Link>
              <span className="bar" style={{ width: `${(100 * r.count) / max}%` }} />
              <span className="count">{r.count.toLocaleString()}</span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

function EventsOverTime({ data, range }: { data: Dashboard; range: DashboardRange }) {
  const router = useRouter();
  const label = (time: string) => (range === "7d" ? time.slice(5, 13).replace("T", " ") : time.slice(11, 16));
  const open = (time: string, type: string) => {
    const until = new Date(Date.parse(time) + data.bucketMinutes * 60_000).toISOString();
    router.push(explore({ range: "custom", since: time, until, type }));
  };
  return (
    <div className="card panel wide">
      <h2>
        Events by type{" "}
        <span className="muted">
          ({data.totals.events.toLocaleString()} in the last {range})
        </span>
      </h2>
      <ResponsiveContainer width="100%" height={260}>
        <BarChart data={data.series} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--line)" vertical={false} />
          <XAxis dataKey="time" tickFormatter={label} stroke="var(--muted)" fontSize={11} minTickGap={24} />
          <YAxis stroke="var(--muted)" fontSize={11} allowDecimals={false} width={48} />
          <Tooltip
            labelFormatter={(time) => `${String(time).slice(0, 16).replace("T", " ")} UTC`}
            contentStyle={{ background: "var(--panel)", border: "1px solid var(--line)" }}
          />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {types.map((type) => (
            <Bar
              key={type}
              dataKey={type}
              stackId="events"
              fill={typeColors[type]}
              isAnimationActive={false}
              cursor="pointer"
              onClick={(bar) =>
                open(String((bar as { payload?: { time?: string } }).payload?.time ?? ""), type)
              }
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export function DashboardView() {
  const trpc = useTRPC();
  const router = useRouter();
  const params = useSearchParams();
  const range = ranges.find((r) => r === params.get("range")) ?? "24h";
  const summary = useQuery({ ...trpc.dashboard.summary.queryOptions({ range }), refetchInterval: 30_000 });
  const explorerRange = range;

  return (
    <section className="dashboard">
      <div className="row heading">
        <h1>Dashboard</h1>
        <select
          aria-label="Time range"
          value={range}
          onChange={(e) => router.replace(`/dashboard?range=${e.target.value}`)}
        >
          {ranges.map((r) => (
            <option key={r} value={r}>
              Last {r}
            </option>
          ))}
        </select>
        <span className="muted">refreshes every 30 s</span>
      </div>
      {summary.isError ? (
        <p role="alert" className="error">
          Cannot load the dashboard: {summary.error.message}
        </p>
      ) : summary.isPending ? (
        <p className="muted">Loading…</p>
      ) : (
        <div className="grid">
          <EventsOverTime data={summary.data} range={range} />
          <div className="card panel">
            <h2>Open alerts</h2>
            {summary.data.alertsBySeverity.length === 0 ? (
              <p className="muted">None open.</p>
            ) : (
              <ul className="plain-list">
                {summary.data.alertsBySeverity.map((a) => (
                  <li key={a.severity}>
                    <Link href="/alerts">
                      <span className={`severity severity-${a.severity}`}>{a.severity}</span> {a.count}
                    </Link>
                  </li>
                ))}
              </ul>
            )}
          </div>
          <Ranked
            title="Top executables"
            empty="No execs in this range."
            rows={summary.data.topExecutables.map((e) => ({
              label: e.exe,
              count: e.count,
              href: explore({ range: explorerRange, type: "exec", exe: exactGlob(e.exe) }),
            }))}
          />
          <Ranked
            title="Top hosts"
            empty="No events in this range."
            rows={summary.data.topHosts.map((h) => ({
              label: h.name,
              count: h.count,
              href: explore({ range: explorerRange, host: h.host }),
            }))}
          />
          <div className="card panel">
            <h2>Hosts by sensor mode</h2>
            <ul className="plain-list">
              {summary.data.hostsByMode.map((m) => (
                <li key={m.mode}>
                  {m.mode}: {m.count}
                </li>
              ))}
            </ul>
          </div>
          <div className="card panel">
            <h2>Dropped events</h2>
            {summary.data.drops.length === 0 ? (
              <p className="muted">No host reports drops.</p>
            ) : (
              <ul className="plain-list">
                {summary.data.drops.map((d) => (
                  <li key={d.host}>
                    <Link href={explore({ range: explorerRange, host: d.host })}>{printable(d.name)}</Link>:
                    sensor {d.kernel}, spool {d.spool}
                  </li>
                ))}
              </ul>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
