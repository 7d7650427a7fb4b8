import type { EventFilter } from "@vigil/db";

const NS_PER_MINUTE = 60_000_000_000n;
/** How much wider the next window is than the matches found so far suggest, when a window found none. */
const WIDER = 8;

/** Counts of events per minute: what windows are cut from. */
type MinuteCounts = {
  minuteCounts(
    filter: EventFilter,
    desc: boolean,
    startNs?: bigint,
  ): Promise<{ minute: bigint; count: number }[]>;
};

/** A time window's conditions; `found` says how many of the page it gave, which sizes the next one. */
export type Window = { conditions: string[]; found(matches: number): void };

/**
 * Time windows in a page's order from `startNs` (or the newest, or oldest, event): each holds about as many events
 * as the page still needs, times how many events each match has taken so far. The last one is open-ended, so an
 * event the counts do not know of yet is still read.
 */
export async function* windows(
  store: MinuteCounts,
  filter: EventFilter,
  desc: boolean,
  startNs: bigint | undefined,
  limit: number,
): AsyncGenerator<Window> {
  const minutes = await store.minuteCounts(filter, desc, startNs);
  let needed = limit;
  let read = 0;
  let matched = 0;
  let perMatch = 1;
  let near: string | null = null;
  for (let i = 0; ; ) {
    let holds = 0;
    let j = i;
    for (; j < minutes.length && holds < needed * perMatch; j++)
      holds += (minutes[j] as { count: number }).count;
    const conditions = near ? [near] : [];
    const last = j >= minutes.length;
    if (!last) {
      const edge = (minutes[j - 1] as { minute: bigint }).minute;
      const far = desc ? `time_ns >= ${edge * NS_PER_MINUTE}` : `time_ns < ${(edge + 1n) * NS_PER_MINUTE}`;
      conditions.push(far);
      near = desc ? `time_ns < ${edge * NS_PER_MINUTE}` : `time_ns >= ${(edge + 1n) * NS_PER_MINUTE}`;
    }
    let got = 0;
    yield { conditions, found: (n) => (got = n) };
    if (last) return;
    needed -= got;
    read += holds;
    matched += got;
    perMatch = matched > 0 ? read / matched : perMatch * WIDER;
    i = j;
  }
}
