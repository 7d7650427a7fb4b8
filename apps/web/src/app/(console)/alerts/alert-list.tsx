"use client";
import { useInfiniteQuery } from "@tanstack/react-query";
import type { AlertView } from "@vigil/api";
import Link from "next/link";
import { useState } from "react";
import { printable } from "@/components/printable";
import { useTRPC } from "@/trpc/react";
import { processHref } from "../processes/process-view";
import { Severity, Spread, TriageButtons } from "./alert-parts";

type Status = AlertView["status"];
const alertStatuses: Status[] = ["new", "acknowledged", "resolved"];

export function AlertList({ canTriage, me }: { canTriage: boolean; me: string }) {
  const trpc = useTRPC();
  const [statuses, setStatuses] = useState<Status[]>(["new", "acknowledged"]);
  const pages = useInfiniteQuery(
    trpc.alerts.list.infiniteQueryOptions(
      { statuses, limit: 50 },
      { getNextPageParam: (last) => last.nextCursor, refetchInterval: 15_000 },
    ),
  );
  const alerts = pages.data?.pages.flatMap((p) => p.alerts) ?? [];
  const toggle = (s: Status) =>
    setStatuses(statuses.includes(s) ? statuses.filter((x) => x !== s) : [...statuses, s]);
  return (
    <section>
      <h1>Alerts</h1>
      <fieldset className="chips" aria-label="Statuses">
        {alertStatuses.map((s) => (
          <label key={s} className={`chip ${statuses.includes(s) ? "on" : ""}`}>
            <input type="checkbox" checked={statuses.includes(s)} onChange={() => toggle(s)} />
            {s}
          </label>
        ))}
      </fieldset>
      {pages.isError ? (
        <p role="alert" className="error">
          Cannot load alerts: {pages.error.message}
        </p>
      ) : pages.isPending ? (
        <p className="muted">Loading…</p>
      ) : alerts.length === 0 ? (
        <p className="muted">No alerts with these statuses.</p>
      ) : (
        <table className="events plain alerts">
          <thead>
            <tr>
              <th>Severity</th>
              <th>Alert</th>
              <th>Fired</th>
              <th>Status</th>
              <th>Assignee</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {alerts.map((a) => (
              <tr key={a.id}>
                <td>
                  <Severity level={a.severity} />
                </td>
                <td>
                  <Link href={`/alerts/${a.id}`}>{a.title}</Link>
                  {a.latest && (
                    <Link
                      className="muted small"
                      href={processHref(a.latest.host, a.latest.pid, a.latest.time)}
                    >
                      {" "}
                      · process
                    </Link>
                  )}
                </td>
                <td>
                  <Spread alert={a} />
                </td>
                <td>{a.status}</td>
                <td>{a.assignee ? printable(a.assignee) : <span className="muted">—</span>}</td>
                <td>{canTriage && <TriageButtons alert={a} me={me} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {pages.hasNextPage && (
        <div className="more">
          <button type="button" onClick={() => pages.fetchNextPage()}>
            Older alerts
          </button>
        </div>
      )}
    </section>
  );
}
