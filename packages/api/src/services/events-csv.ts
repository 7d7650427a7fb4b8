import type { VigilEvent } from "@vigil/events";

export const csvHeader = "time,type,host,pid,ppid,uid,exe,details,verdict,id\r\n";

/** What an event did beyond its process, as one field: the command line, the file, the target, the exit. */
function details(event: VigilEvent): string {
  switch (event.type) {
    case "exec":
      return JSON.stringify(event.process.argv);
    case "unlink_running":
      return event.file.path;
    case "ptrace":
      return `${event.request} pid ${event.target.pid} ${event.target.exe}`;
    case "mem_write":
      return `${event.method} pid ${event.target.pid} ${event.target.exe}`;
    case "fork":
      return `forked by pid ${event.parent.pid}`;
    case "exit":
      return `code ${event.exit.code} signal ${event.exit.signal}`;
  }
}

/**
 * One RFC 4180 field. A value a spreadsheet would run as a formula (=, +, -, @, tab, CR first) is prefixed with
 * an apostrophe: argv and paths come from hosts and may be written by an attacker.
 */
export function csvField(value: string | number): string {
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(event: VigilEvent): string {
  const p = event.process;
  return `${[
    event.time,
    event.type,
    event.host.name,
    p.pid,
    p.ppid,
    p.uid,
    p.exe,
    details(event),
    event.verdict,
    event.id,
  ]
    .map(csvField)
    .join(",")}\r\n`;
}
