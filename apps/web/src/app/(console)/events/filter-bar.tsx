"use client";
import { eventTypes, verdicts } from "@vigil/events";
import { type FormEvent, useEffect, useState } from "react";
import { type ExplorerFilter, type Range, ranges } from "./filters";

const rangeLabels: Record<Range, string> = {
  "15m": "Last 15 minutes",
  "1h": "Last hour",
  "24h": "Last 24 hours",
  "7d": "Last 7 days",
  all: "All time",
  custom: "Custom…",
};

const textFields = [
  { key: "q", label: "Search", placeholder: "words in argv, paths, comm (end with * for a prefix)" },
  { key: "host", label: "Host", placeholder: "name or machine id" },
  { key: "exe", label: "Executable", placeholder: "glob, e.g. /usr/bin/*" },
  { key: "parentExe", label: "Parent", placeholder: "glob" },
  { key: "pid", label: "PID", placeholder: "" },
  { key: "uid", label: "UID", placeholder: "" },
] as const;

type Draft = Record<(typeof textFields)[number]["key"] | "since" | "until", string>;

const draftOf = (filter: ExplorerFilter): Draft => ({
  q: filter.q ?? "",
  host: filter.host ?? "",
  exe: filter.exe ?? "",
  parentExe: filter.parentExe ?? "",
  pid: filter.pid?.toString() ?? "",
  uid: filter.uid?.toString() ?? "",
  since: filter.since ?? "",
  until: filter.until ?? "",
});

const toggle = <T,>(list: T[], value: T) =>
  list.includes(value) ? list.filter((v) => v !== value) : [...list, value];

export function FilterBar(props: {
  filter: ExplorerFilter;
  onChange: (filter: ExplorerFilter) => void;
  onRefresh: () => void;
}) {
  const { filter, onChange } = props;
  const [draft, setDraft] = useState(() => draftOf(filter));
  useEffect(() => setDraft(draftOf(filter)), [filter]);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const number = (text: string) => (/^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined);
    const text = (value: string) => value.trim() || undefined;
    onChange({
      ...filter,
      q: text(draft.q),
      host: text(draft.host),
      exe: text(draft.exe),
      parentExe: text(draft.parentExe),
      pid: number(draft.pid),
      uid: number(draft.uid),
      since: text(draft.since),
      until: text(draft.until),
    });
  };

  return (
    <form className="filters" onSubmit={apply} aria-label="Filters">
      <div className="row">
        <select
          aria-label="Time range"
          value={filter.range}
          onChange={(e) => onChange({ ...filter, range: e.target.value as Range })}
        >
          {ranges.map((r) => (
            <option key={r} value={r}>
              {rangeLabels[r]}
            </option>
          ))}
        </select>
        {filter.range === "custom" &&
          (["since", "until"] as const).map((key) => (
            <input
              key={key}
              aria-label={key}
              placeholder={`${key} (RFC 3339, e.g. 2026-11-29T10:00:00Z)`}
              value={draft[key]}
              onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
            />
          ))}
        <fieldset className="chips" aria-label="Event types">
          {eventTypes.map((t) => (
            <label key={t} className={`chip ${filter.types.includes(t) ? "on" : ""}`}>
              <input
                type="checkbox"
                checked={filter.types.includes(t)}
                onChange={() => onChange({ ...filter, types: toggle(filter.types, t) })}
              />
              {t}
            </label>
          ))}
        </fieldset>
        <fieldset className="chips" aria-label="Verdicts">
          {verdicts.map((v) => (
            <label key={v} className={`chip ${filter.verdicts.includes(v) ? "on" : ""}`}>
              <input
                type="checkbox"
                checked={filter.verdicts.includes(v)}
                onChange={() => onChange({ ...filter, verdicts: toggle(filter.verdicts, v) })}
              />
              {v}
            </label>
          ))}
        </fieldset>
      </div>
      <div className="row">
        {textFields.map((f) => (
          <label key={f.key} className={`field field-${f.key}`}>
            {f.label}
            <input
              name={f.key}
              placeholder={f.placeholder}
              value={draft[f.key]}
              inputMode={f.key === "pid" || f.key === "uid" ? "numeric" : undefined}
              onChange={(e) => setDraft({ ...draft, [f.key]: e.target.value })}
            />
          </label>
        ))}
        <button type="submit">Apply</button>
        <button type="button" className="quiet" onClick={props.onRefresh}>
          Refresh
        </button>
        <button
          type="button"
          className="quiet"
          onClick={() => onChange({ range: filter.range, types: [], verdicts: [] })}
        >
          Clear
        </button>
      </div>
    </form>
  );
}
