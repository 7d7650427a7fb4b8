"use client";
import type { VigilEvent } from "@vigil/events";
import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { printable, safeJson } from "@/components/printable";
import { processHref } from "../processes/process-view";
import { type ExplorerFilter, exactGlob } from "./filters";

type Pivot = Partial<ExplorerFilter>;

/** Fields an analyst can turn into a filter, by their path in the event JSON. */
function pivotFor(path: string, value: unknown): Pivot | null {
  const text = String(value);
  switch (path) {
    case "type":
      return { types: [value as ExplorerFilter["types"][number]] };
    case "verdict":
      return { verdicts: [value as ExplorerFilter["verdicts"][number]] };
    case "host.name":
    case "host.id":
      return { host: text };
    case "process.pid":
      return { pid: Number(value) };
    case "process.uid":
      return { uid: Number(value) };
    case "process.exe":
      return { exe: exactGlob(text) };
    case "parent.exe":
      return { parentExe: exactGlob(text) };
    default:
      return null;
  }
}

/** Every leaf of the event as [path, value], in the JSON's order. */
function leaves(value: unknown, path = ""): [string, unknown][] {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k));
  }
  return [[path, value]];
}

const shown = (value: unknown) =>
  Array.isArray(value)
    ? value.map((v) => (typeof v === "string" ? JSON.stringify(v) : String(v))).join(", ")
    : value === null
      ? "null"
      : printable(String(value));

export function EventDrawer(props: {
  event: VigilEvent;
  /** When the server received it (to the second), if known. */
  receivedMs?: number | null;
  onClose: () => void;
  onPivot: (change: Pivot) => void;
}) {
  const { event } = props;
  const panel = useRef<HTMLElement>(null);
  const [copied, setCopied] = useState(false);
  const raw = safeJson(event);

  // The latest onClose, without re-running the effect (and stealing focus) each time the parent renders.
  const onClose = useRef(props.onClose);
  onClose.current = props.onClose;
  useEffect(() => {
    panel.current?.focus();
    const close = (e: KeyboardEvent) => e.key === "Escape" && onClose.current();
    window.addEventListener("keydown", close);
    return () => window.removeEventListener("keydown", close);
  }, []);

  return (
    <aside ref={panel} className="drawer" tabIndex={-1} aria-label={`Event ${event.type}`}>
      <header>
        <h2>
          {event.type} <span className="muted">on {printable(event.host.name)}</span>
        </h2>
        <button type="button" className="quiet" onClick={props.onClose} aria-label="Close">
          ✕
        </button>
      </header>
      <nav className="drawer-links">
        <Link href={processHref(event.host.id, event.process.pid, event.time)}>Process view</Link>
        {"target" in event && (
          <Link href={processHref(event.host.id, event.target.pid, event.time)}>Target's process view</Link>
        )}
      </nav>
      {typeof props.receivedMs === "number" && (
        <Received eventTime={event.time} receivedMs={props.receivedMs} />
      )}
      <dl className="fields">
        {leaves(event).map(([path, value]) => {
          const pivot = pivotFor(path, value);
          return (
            <div key={path} className="field-row">
              <dt>{path}</dt>
              <dd className="mono">
                {shown(value)}
                {pivot && (
                  <button
                    type="button"
                    className="pivot"
                    title={`Filter on ${path}`}
                    onClick={() => props.onPivot(pivot)}
                  >
                    filter
                  </button>
                )}
              </dd>
            </div>
          );
        })}
      </dl>
      <div className="raw">
        <div className="raw-head">
          <h3>Raw JSON</h3>
          <button
            type="button"
            className="quiet"
            onClick={() =>
              navigator.clipboard?.writeText(raw).then(
                () => setCopied(true),
                () => setCopied(false),
              )
            }
          >
            {copied ? "Copied" : "Copy"}
          </button>
        </div>
        <pre>{raw}</pre>
      </div>
    </aside>
  );
}

/** The event's time is the host's clock; when the server received it tells a wrong host clock apart. */
function Received({ eventTime, receivedMs }: { eventTime: string; receivedMs: number }) {
  const aheadS = (Date.parse(eventTime) - receivedMs) / 1000;
  // Received within a minute after the event (to the second): in step, or the ordinary delay of a spool.
  const note =
    aheadS > 1
      ? `${duration(aheadS)} before the event's time: the host's clock is ahead`
      : aheadS < -60
        ? `${duration(-aheadS)} after the event's time (held in the agent's spool, or the host's clock is behind)`
        : "";
  return (
    <p className="small muted">
      Received by the server {new Date(receivedMs).toISOString()}
      {note && ` — ${note}`}
    </p>
  );
}

const duration = (seconds: number) =>
  seconds < 120
    ? `${seconds.toFixed(0)} s`
    : seconds < 7200
      ? `${(seconds / 60).toFixed(0)} min`
      : `${(seconds / 3600).toFixed(1)} h`;
