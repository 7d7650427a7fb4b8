"use client";
import type { VigilEvent } from "@vigil/events";
import type { KeyboardEvent } from "react";
import { commandLine, printable } from "@/components/printable";

/** What the row says about the event beyond its process: the command line, the file, the target. */
export function summary(event: VigilEvent): string {
  switch (event.type) {
    case "exec":
      return commandLine(event.process.argv);
    case "unlink_running":
      return printable(event.file.path);
    case "ptrace":
      return `${event.request} → pid ${event.target.pid} ${printable(event.target.exe)}`;
    case "mem_write":
      return `${event.method} → pid ${event.target.pid} ${printable(event.target.exe)}`;
    case "fork":
      return `forked by pid ${event.parent.pid} ${printable(event.parent.exe)}`;
    case "exit":
      return event.exit.signal ? `signal ${event.exit.signal}` : `code ${event.exit.code}`;
  }
}

/** Unique among all hosts' events. */
export const eventKey = (e: VigilEvent) => `${e.host.id} ${e.id}`;

export const shortTime = (time: string) => `${time.slice(0, 10)} ${time.slice(11, 23)}`;

const security = new Set(["unlink_running", "ptrace", "mem_write"]);

export function EventTable(props: {
  events: VigilEvent[];
  selected: VigilEvent | null;
  onOpen: (event: VigilEvent) => void;
}) {
  const move = (event: KeyboardEvent<HTMLTableRowElement>, row: VigilEvent) => {
    const sibling =
      event.key === "ArrowDown" || event.key === "j"
        ? event.currentTarget.nextElementSibling
        : event.key === "ArrowUp" || event.key === "k"
          ? event.currentTarget.previousElementSibling
          : null;
    if (sibling instanceof HTMLElement) {
      event.preventDefault();
      sibling.focus();
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      props.onOpen(row);
    }
  };
  return (
    <table className="events">
      <thead>
        <tr>
          <th>Time (UTC)</th>
          <th>Type</th>
          <th>Host</th>
          <th>PID</th>
          <th>UID</th>
          <th>Executable</th>
          <th>Details</th>
          <th>Verdict</th>
        </tr>
      </thead>
      <tbody>
        {props.events.map((e) => (
          <tr
            key={eventKey(e)}
            tabIndex={0}
            className={`${security.has(e.type) ? "security" : ""} ${props.selected === e ? "selected" : ""}`}
            onClick={() => props.onOpen(e)}
            onKeyDown={(k) => move(k, e)}
          >
            <td className="mono nowrap">{shortTime(e.time)}</td>
            <td>
              <span className={`type type-${e.type}`}>{e.type}</span>
            </td>
            <td>{printable(e.host.name)}</td>
            <td className="mono">{e.process.pid}</td>
            <td className="mono">{e.process.uid}</td>
            <td className="mono">{printable(e.process.exe)}</td>
            <td className="mono details">{summary(e)}</td>
            <td>{e.verdict}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
