"use client";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import type { VigilEvent } from "@vigil/events";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useTRPC } from "@/trpc/react";
import { EventDrawer } from "../../events/event-drawer";
import { EventTable } from "../../events/event-table";
import { paramsFromFilter } from "../../events/filters";
import { Severity, Spread, TriageButtons } from "../alert-parts";

export function AlertDetail({ id, canTriage, me }: { id: number; canTriage: boolean; me: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const valid = Number.isInteger(id) && id > 0;
  const alert = useQuery({ ...trpc.alerts.get.queryOptions({ id }), enabled: valid });
  const pages = useInfiniteQuery({
    ...trpc.alerts.events.infiniteQueryOptions(
      { id, limit: 100 },
      { getNextPageParam: (last) => last.nextCursor },
    ),
    enabled: valid,
  });
  const [open, setOpen] = useState<VigilEvent | null>(null);
  if (!valid) return <p className="error">No such alert: the link's number is wrong.</p>;
  if (alert.isError)
    return (
      <p role="alert" className="error">
        Cannot show this alert: {alert.error.message}
      </p>
    );
  if (alert.isPending) return <p className="muted">Loading…</p>;
  const a = alert.data;
  const events = pages.data?.pages.flatMap((p) => p.events) ?? [];
  return (
    <section>
      <h1>
        <Severity level={a.severity} /> {a.title}
      </h1>
      <p>
        <Spread alert={a} /> · {a.status}
        {a.assignee && ` · assigned to ${a.assignee}`} <span className="muted">(rule {a.rule})</span>
      </p>
      {canTriage && <TriageButtons alert={a} me={me} />}
      <h2>Events</h2>
      {a.rule.startsWith("host-") ? (
        <p className="muted">
          This alert is about the health of the hosts above, which no event shows: see{" "}
          <Link href="/hosts">Hosts</Link>.
        </p>
      ) : pages.isPending ? (
        <p className="muted">Loading events…</p>
      ) : events.length === 0 ? (
        <p className="muted">Its events are no longer stored (retention).</p>
      ) : (
        <EventTable events={events} selected={open} onOpen={setOpen} />
      )}
      {pages.hasNextPage && (
        <div className="more">
          <button type="button" onClick={() => pages.fetchNextPage()}>
            Older events
          </button>
        </div>
      )}
      {open && (
        <EventDrawer
          event={open}
          onClose={() => setOpen(null)}
          onPivot={(change) =>
            router.push(`/events?${paramsFromFilter({ range: "all", types: [], verdicts: [], ...change })}`)
          }
        />
      )}
    </section>
  );
}
