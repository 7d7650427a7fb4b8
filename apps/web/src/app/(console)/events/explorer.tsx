"use client";
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import type { VigilEvent } from "@vigil/events";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useMemo, useState } from "react";
import { useTRPC } from "@/trpc/react";
import { ColumnChooser } from "./column-chooser";
import { type ColumnKey, columnsFromParam, columnsParam } from "./columns";
import { EventDrawer } from "./event-drawer";
import { EventTable, eventKey } from "./event-table";
import { FilterBar } from "./filter-bar";
import { type ExplorerFilter, exportHref, filterFromParams, listInput, paramsFromFilter } from "./filters";
import { useLiveTail } from "./live-tail";

export function Explorer() {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const filter = useMemo(() => filterFromParams(new URLSearchParams(searchParams)), [searchParams]);
  // A preset range counts back from when the filter was set (or refreshed), not from every render.
  const [now, setNow] = useState(() => Date.now());
  const input = useMemo(() => listInput(filter, now), [filter, now]);
  const [open, setOpen] = useState<VigilEvent | null>(null);
  const live = useLiveTail(filter);
  const shownColumns = columnsFromParam(searchParams.get("cols"));

  const show = (next: ExplorerFilter, chosen: ColumnKey[]) => {
    const params = paramsFromFilter(next);
    const cols = columnsParam(chosen);
    if (cols) params.set("cols", cols);
    const query = params.toString();
    router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
  };
  const setFilter = (next: ExplorerFilter) => {
    setNow(Date.now());
    show(next, shownColumns);
  };

  const pages = useInfiniteQuery(
    trpc.events.list.infiniteQueryOptions(input, {
      getNextPageParam: (last) => last.nextCursor,
      placeholderData: keepPreviousData,
    }),
  );
  const paged = pages.data?.pages.flatMap((p) => p.events) ?? [];
  const received = new Map(
    pages.data?.pages.flatMap((p) => p.events.map((e, i) => [eventKey(e), p.receivedMs[i] ?? null] as const)),
  );
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = pages;
  const loadMore = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);
  const streamed = new Set(live.events.map(eventKey));
  const events = [...live.events, ...paged.filter((e) => !streamed.has(eventKey(e)))];

  return (
    <div className="explorer">
      <FilterBar filter={filter} onChange={setFilter} onRefresh={() => setNow(Date.now())} />
      <div className="actions">
        <button
          type="button"
          className={live.on ? "live on" : "live quiet"}
          aria-pressed={live.on}
          onClick={() => {
            // Switched off, the pages take in what streamed; switched on, new events go on top: newest first.
            if (live.on) setNow(Date.now());
            else if (filter.oldestFirst) setFilter({ ...filter, oldestFirst: false });
            live.toggle();
          }}
          title="New events stream in at the top as they arrive"
        >
          {live.on ? `● Live${live.status === "connecting" ? " (connecting…)" : ""}` : "Live tail"}
        </button>
        {live.error && <span className="error">Live tail stopped: {live.error}</span>}
        <a href={exportHref(filter, now, "csv")} download>
          Export CSV
        </a>
        <a href={exportHref(filter, now, "ndjson")} download>
          Export NDJSON
        </a>
        <ColumnChooser chosen={shownColumns} onChange={(chosen) => show(filter, chosen)} />
      </div>
      {pages.isError ? (
        <p role="alert" className="error">
          Cannot load events: {pages.error.message}
        </p>
      ) : pages.isPending ? (
        <p className="muted">Loading events…</p>
      ) : events.length === 0 ? (
        <p className="muted">No events match these filters. Widen the time range or clear a filter.</p>
      ) : (
        <>
          {pages.isPlaceholderData && <p className="muted updating">Updating…</p>}
          <EventTable
            events={events}
            onOpen={setOpen}
            selected={open}
            columns={shownColumns}
            onNearEnd={loadMore}
            oldestFirst={filter.oldestFirst}
            onSort={() => setFilter({ ...filter, oldestFirst: !filter.oldestFirst })}
          />
          <div className="more">
            {hasNextPage ? (
              <button type="button" onClick={loadMore} disabled={isFetchingNextPage}>
                {isFetchingNextPage
                  ? "Loading…"
                  : filter.oldestFirst
                    ? "Load newer events"
                    : "Load older events"}
              </button>
            ) : (
              <span className="muted">{events.length} events, no more</span>
            )}
          </div>
        </>
      )}
      {open && (
        <EventDrawer
          event={open}
          receivedMs={received.get(eventKey(open)) ?? null}
          onClose={() => setOpen(null)}
          onPivot={(change) => {
            setOpen(null);
            setFilter({ ...filter, ...change });
          }}
        />
      )}
    </div>
  );
}
