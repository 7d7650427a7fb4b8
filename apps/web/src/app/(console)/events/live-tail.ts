"use client";
import { useSubscription } from "@trpc/tanstack-react-query";
import type { VigilEvent } from "@vigil/events";
import { useMemo, useState } from "react";
import { useTRPC } from "@/trpc/react";
import { type ExplorerFilter, listInput } from "./filters";

/** The newest this many live events stay on screen; older ones are a page load away. */
const KEEP = 1000;

/** Events matching `filter` as they arrive, newest first, while switched on. */
export function useLiveTail(filter: ExplorerFilter) {
  const trpc = useTRPC();
  const [on, setOn] = useState(false);
  const [events, setEvents] = useState<VigilEvent[]>([]);
  const input = useMemo(() => {
    const { limit: _limit, since: _since, until: _until, order: _order, ...rest } = listInput(filter, 0);
    return rest;
  }, [filter]);
  // Another filter starts an empty stream (reset while rendering, as React advises for derived state).
  const [streamedFor, setStreamedFor] = useState(input);
  if (streamedFor !== input) {
    setStreamedFor(input);
    setEvents([]);
  }
  const subscription = useSubscription(
    trpc.events.tail.subscriptionOptions(input, {
      enabled: on,
      onData: ({ data }) => setEvents((shown) => [data, ...shown].slice(0, KEEP)),
    }),
  );
  return {
    on,
    events: on ? events : [],
    status: subscription.status,
    error: subscription.error?.message ?? null,
    toggle: () => {
      setEvents([]);
      setOn(!on);
    },
  };
}
