"use client";
import { useInfiniteQuery } from "@tanstack/react-query";
import { printable, safeJson } from "@/components/printable";
import { useTRPC } from "@/trpc/react";

export function AuditLog() {
  const trpc = useTRPC();
  const pages = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions({ limit: 100 }, { getNextPageParam: (last) => last.nextCursor }),
  );
  const entries = pages.data?.pages.flatMap((p) => p.entries) ?? [];
  if (pages.isError)
    return (
      <p role="alert" className="error">
        Cannot load the audit log: {pages.error.message}
      </p>
    );
  if (pages.isPending) return <p className="muted">Loading…</p>;
  return (
    <section>
      <h1>Audit log</h1>
      {entries.length === 0 ? (
        <p className="muted">Nothing recorded yet.</p>
      ) : (
        <table className="events plain">
          <thead>
            <tr>
              <th>Time (UTC)</th>
              <th>Who</th>
              <th>Action</th>
              <th>Target</th>
              <th>From</th>
              <th>Detail</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id}>
                <td className="mono nowrap">
                  {new Date(e.timeMs).toISOString().slice(0, 19).replace("T", " ")}
                </td>
                <td>{printable(e.actor)}</td>
                <td>{e.action}</td>
                <td className="mono">{e.target ? printable(e.target) : ""}</td>
                <td className="mono">{e.source ? printable(e.source) : ""}</td>
                <td className="mono">{e.detail ? safeJson(e.detail, 0) : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {pages.hasNextPage && (
        <div className="more">
          <button type="button" onClick={() => pages.fetchNextPage()} disabled={pages.isFetchingNextPage}>
            Older entries
          </button>
        </div>
      )}
    </section>
  );
}
