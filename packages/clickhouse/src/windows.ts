import type { EventFilter } from "@vigil/db";
import { NS_PER_MINUTE } from "./rows";

/** How much wider the next window is than the matches found so far suggest, when a window found none. */
const WIDER = 8;
/** The narrowest window: a millisecond. */
const MIN_SPAN_NS = 1_000_000;

/** Counts of events per minute, what windows are cut from; and where in a minute its newest (oldest) event is. */
type MinuteCounts = {
  minuteCounts(
    filter: EventFilter,
    desc: boolean,
    startNs?: bigint,
  ): Promise<{ minute: bigint; count: number }[]>;
  edgeOf(minute: bigint, desc: boolean): Promise<bigint | null>;
};

/** A time window's conditions; `found` says how many of the page it gave, which sizes the next one. */
export type Window = { conditions: string[]; found(matches: number): void };

/**
 * Time windows in a page's order from `startNs` (or the newest, or oldest, event): each holds about as many events
 * as the page still needs, times how many events each match has taken so far, taking events as spread evenly over
 * each minute (a busy minute is cut into parts). The last one is open-ended, so an event the counts do not know of
 * yet is still read.
 */
export async function* windows(
  store: MinuteCounts,
  filter: EventFilter,
  desc: boolean,
  startNs: bigint | undefined,
  limit: number,
): AsyncGenerator<Window> {
  const minutes = await store.minuteCounts(filter, desc, startNs);
  // The first minute is read from its newest (oldest) event on: events come in bursts, and a window of the minute's
  // end would find none and make the next ones wider than they need to be.
  const first = minutes[0] && (await store.edgeOf(minutes[0].minute, desc));
  let read = 0;
  let matched = 0;
  let perMatch = 1;
  let near: bigint | null = null;
  let i = 0;
  /** Where the part of minute i not read yet ends (desc: its start is the minute's; asc: its end is). */
  let cut: bigint | null = first == null ? null : desc ? first + 1n : first;
  if (cut !== null && startNs !== undefined && (desc ? startNs + 1n < cut : startNs > cut)) {
    cut = desc ? startNs + 1n : startNs;
  }
  let needed = limit;
  for (;;) {
    const target = needed * perMatch;
    let holds = 0;
    let far: bigint | null = null;
    while (i < minutes.length && holds < target) {
      const { minute, count } = minutes[i] as { minute: bigint; count: number };
      const lo = minute * NS_PER_MINUTE;
      const hi = lo + NS_PER_MINUTE;
      const from: bigint = cut ?? (desc ? hi : lo);
      const left = count * (Number(desc ? from - lo : hi - from) / Number(NS_PER_MINUTE));
      if (holds + left <= target) {
        holds += left;
        far = desc ? lo : hi;
        i++;
        cut = null;
        continue;
      }
      const span = BigInt(
        Math.max(MIN_SPAN_NS, Math.ceil(((target - holds) / count) * Number(NS_PER_MINUTE))),
      );
      far = desc ? (from - span > lo ? from - span : lo) : from + span < hi ? from + span : hi;
      holds = target;
      if (far === (desc ? lo : hi)) {
        i++;
        cut = null;
      } else cut = far;
    }
    const last = i >= minutes.length && cut === null;
    const conditions: string[] = [];
    if (near !== null) conditions.push(desc ? `time_ns < ${near}` : `time_ns >= ${near}`);
    if (!last && far !== null) conditions.push(desc ? `time_ns >= ${far}` : `time_ns < ${far}`);
    let got = 0;
    yield { conditions, found: (n) => (got = n) };
    if (last || far === null) return;
    near = far;
    needed -= got;
    read += holds;
    matched += got;
    perMatch = matched > 0 ? read / matched : perMatch * WIDER;
  }
}
