"use client";
import type { VigilEvent } from "@vigil/events";
import { type KeyboardEvent, useEffect, useLayoutEffect, useRef, useState } from "react";
import { type ColumnKey, columns, defaultColumns } from "./columns";

/** Unique among all hosts' events. */
export const eventKey = (e: VigilEvent) => `${e.host.id} ${e.id}`;

/** Every row is one line (globals.css: table.events tbody tr), so a row's place is its index times its height. */
const ROW_HEIGHT = 30;
/** Rows drawn beyond the window's edges, so a quick scroll does not show blank space. */
const OVERSCAN = 20;
/** Within this many rows of the last one loaded, the table asks for more. */
const NEAR_END = 40;

const security = new Set(["unlink_running", "ptrace", "mem_write"]);

/** Rows a key moves the focus by: down with ArrowDown or j, up with ArrowUp or k. */
const stepOf = (key: string) =>
  key === "ArrowDown" || key === "j" ? 1 : key === "ArrowUp" || key === "k" ? -1 : 0;

/**
 * The events table: thousands of rows stay quick because only those in (or near) the window are in the page;
 * spacer rows stand in for the rest. Arrow keys (or j/k) move between rows, Enter opens one.
 */
export function EventTable(props: {
  events: VigilEvent[];
  selected: VigilEvent | null;
  onOpen: (event: VigilEvent) => void;
  columns?: ColumnKey[];
  /** Called when the reader nears the last row: time to load the next page. */
  onNearEnd?: () => void;
  /** With onSort, the time column's header turns the order over. */
  oldestFirst?: boolean;
  onSort?: () => void;
}) {
  const shown = props.columns ?? defaultColumns;
  const body = useRef<HTMLTableSectionElement>(null);
  const [range, setRange] = useState({ first: 0, last: 100 });
  const [rowHeight, setRowHeight] = useState(ROW_HEIGHT);
  /** The row the keyboard moved to, until it is drawn and focused. */
  const pendingFocus = useRef<number | null>(null);
  const count = props.events.length;

  useLayoutEffect(() => {
    const measure = () => {
      const top = body.current?.getBoundingClientRect().top ?? 0;
      const first = Math.max(0, Math.floor(-top / rowHeight) - OVERSCAN);
      const last = Math.ceil((window.innerHeight - top) / rowHeight) + OVERSCAN;
      setRange((r) => (r.first === first && r.last === last ? r : { first, last }));
    };
    measure();
    window.addEventListener("scroll", measure, { passive: true });
    window.addEventListener("resize", measure);
    return () => {
      window.removeEventListener("scroll", measure);
      window.removeEventListener("resize", measure);
    };
  }, [rowHeight]);

  // The stylesheet sets the height; the browser's rounding decides it: measured, so spacers match the rows exactly.
  useLayoutEffect(() => {
    const drawn = body.current?.querySelector("tr[data-index]")?.getBoundingClientRect().height;
    if (drawn && Math.abs(drawn - rowHeight) > 0.01) setRowHeight(drawn);
  });

  const first = Math.min(range.first, Math.max(0, count - 1));
  const last = Math.min(range.last, count);
  const { onNearEnd } = props;
  useEffect(() => {
    if (count > 0 && last >= count - NEAR_END) onNearEnd?.();
  }, [last, count, onNearEnd]);

  // A row reached with the keyboard may not be drawn yet: it is scrolled to, and focused once it is drawn.
  const focusRow = (index: number) => {
    const row = body.current?.querySelector<HTMLElement>(`tr[data-index="${index}"]`);
    if (row) {
      pendingFocus.current = null;
      row.focus();
    } else if (body.current) {
      pendingFocus.current = index;
      const top = body.current.getBoundingClientRect().top + window.scrollY + index * rowHeight;
      window.scrollTo({ top: top - window.innerHeight / 2 });
    }
  };
  useEffect(() => {
    if (pendingFocus.current !== null) focusRow(pendingFocus.current);
  });
  // The focused row can scroll out of the drawn ones before the next is drawn, and the focus falls to the page: the
  // keys pressed meanwhile still move on from the row on its way.
  useEffect(() => {
    const stray = (event: globalThis.KeyboardEvent) => {
      const step = stepOf(event.key);
      if (pendingFocus.current === null || step === 0 || document.activeElement !== document.body) return;
      event.preventDefault();
      moveFrom(pendingFocus.current, step);
    };
    window.addEventListener("keydown", stray);
    return () => window.removeEventListener("keydown", stray);
  });

  const moveFrom = (from: number, step: number) => focusRow(Math.min(count - 1, Math.max(0, from + step)));

  const onKey = (event: KeyboardEvent<HTMLTableRowElement>, index: number) => {
    const step = stepOf(event.key);
    if (step !== 0) {
      event.preventDefault();
      // From the row on its way to being drawn, if any: a key held down is faster than drawing.
      moveFrom(pendingFocus.current ?? index, step);
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      props.onOpen(props.events[index] as VigilEvent);
    }
  };

  return (
    <table className="events">
      <colgroup>
        {shown.map((key) => (
          <col key={key} style={columns[key].width ? { width: columns[key].width } : undefined} />
        ))}
      </colgroup>
      <thead>
        <tr>
          {shown.map((key) =>
            key === "time" && props.onSort ? (
              <th key={key} aria-sort={props.oldestFirst ? "ascending" : "descending"}>
                <button type="button" className="sort" onClick={props.onSort} title="Turn the order over">
                  {columns[key].label} {props.oldestFirst ? "↑ oldest first" : "↓ newest first"}
                </button>
              </th>
            ) : (
              <th key={key}>{columns[key].label}</th>
            ),
          )}
        </tr>
      </thead>
      <tbody ref={body}>
        {first > 0 && <Spacer columns={shown.length} height={first * rowHeight} />}
        {props.events.slice(first, last).map((e, offset) => (
          <tr
            key={eventKey(e)}
            data-index={first + offset}
            tabIndex={0}
            className={`${security.has(e.type) ? "security" : ""} ${props.selected === e ? "selected" : ""}`}
            onClick={() => props.onOpen(e)}
            onKeyDown={(k) => onKey(k, first + offset)}
          >
            {shown.map((key) => (
              <td key={key} className={columns[key].mono ? "mono" : undefined}>
                {columns[key].cell(e)}
              </td>
            ))}
          </tr>
        ))}
        {last < count && <Spacer columns={shown.length} height={(count - last) * rowHeight} />}
      </tbody>
    </table>
  );
}

/** Stands in for rows that are not drawn. */
function Spacer(props: { columns: number; height: number }) {
  return (
    <tr aria-hidden className="spacer">
      <td colSpan={props.columns} style={{ height: props.height }} />
    </tr>
  );
}
