import { type EventType, eventTypes, type Verdict, verdicts } from "@vigil/events";

export const ranges = ["15m", "1h", "24h", "7d", "all", "custom"] as const;
export type Range = (typeof ranges)[number];
const rangeMs: Record<Range, number | null> = {
  "15m": 15 * 60_000,
  "1h": 3_600_000,
  "24h": 86_400_000,
  "7d": 7 * 86_400_000,
  all: null,
  custom: null,
};

/** The explorer's state, all of it in the URL so a view is a link. */
export type ExplorerFilter = {
  range: Range;
  since?: string;
  until?: string;
  types: EventType[];
  verdicts: Verdict[];
  host?: string;
  pid?: number;
  uid?: number;
  exe?: string;
  parentExe?: string;
  q?: string;
  /** Oldest first (the URL's sort=oldest); newest first otherwise. */
  oldestFirst?: boolean;
};

const textKeys = ["since", "until", "host", "exe", "parentExe", "q"] as const;
const numberKeys = ["pid", "uid"] as const;

export function filterFromParams(params: URLSearchParams): ExplorerFilter {
  const range = ranges.find((r) => r === params.get("range")) ?? "24h";
  const list = <T extends string>(name: string, allowed: readonly T[]) =>
    (params.get(name) ?? "").split(",").filter((v): v is T => (allowed as readonly string[]).includes(v));
  const filter: ExplorerFilter = {
    range,
    types: list("type", eventTypes),
    verdicts: list("verdict", verdicts),
  };
  if (params.get("sort") === "oldest") filter.oldestFirst = true;
  for (const key of textKeys) {
    const value = params.get(key)?.trim();
    if (value) filter[key] = value;
  }
  for (const key of numberKeys) {
    const value = Number(params.get(key) ?? "");
    if (params.get(key) && Number.isInteger(value) && value >= 0) filter[key] = value;
  }
  return filter;
}

export function paramsFromFilter(filter: ExplorerFilter): URLSearchParams {
  const params = new URLSearchParams();
  if (filter.range !== "24h") params.set("range", filter.range);
  if (filter.types.length) params.set("type", filter.types.join(","));
  if (filter.verdicts.length) params.set("verdict", filter.verdicts.join(","));
  if (filter.oldestFirst) params.set("sort", "oldest");
  for (const key of [...textKeys, ...numberKeys]) {
    const value = filter[key];
    if (value !== undefined && value !== "") params.set(key, String(value));
  }
  return params;
}

/** The events.list input for a filter: a preset range counts back from `nowMs`. */
export function listInput(filter: ExplorerFilter, nowMs: number) {
  const { range, types, verdicts, since, until, oldestFirst, ...rest } = filter;
  const back = rangeMs[range];
  return {
    ...rest,
    order: oldestFirst ? ("oldest" as const) : ("newest" as const),
    types: types.length ? types : undefined,
    verdicts: verdicts.length ? verdicts : undefined,
    since: back !== null ? new Date(nowMs - back).toISOString() : range === "custom" ? since : undefined,
    until: range === "custom" ? until : undefined,
    limit: 100,
  };
}

/** A literal path as a glob that matches only itself. */
export const exactGlob = (path: string) => path.replace(/[*?[]/g, (c) => `[${c}]`);

/** The export API's link for the same filter (newest `limit` events, oldest first). */
export function exportHref(filter: ExplorerFilter, nowMs: number, format: "ndjson" | "csv", limit = 100_000) {
  const { types, verdicts, limit: _page, order: _order, ...rest } = listInput(filter, nowMs);
  const params = new URLSearchParams({ format, limit: String(limit) });
  if (types) params.set("type", types.join(","));
  if (verdicts) params.set("verdict", verdicts.join(","));
  for (const [key, value] of Object.entries(rest)) if (value !== undefined) params.set(key, String(value));
  return `/api/v1/events?${params}`;
}
