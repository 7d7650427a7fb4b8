import type { VigilEvent } from "@vigil/events";
import { LineWriter } from "../line-writer";
import { textLog } from "../log";
import { sensorBlocker } from "../preflight";
import { streamEvents } from "../sensor/event-stream";

export type TailOptions = {
  json: boolean;
  duration?: number;
  mode: "auto" | "lsm" | "tracepoint";
  ringbufMb?: number;
};

type Summary = {
  mode: string;
  events: Record<string, number>;
  kernel: { emitted: Record<string, string>; dropped: Record<string, string> };
  badFrames: number;
};

/** `vigil-agent tail`: this host's events on stdout until interrupted or the duration ends. */
export async function tail(options: TailOptions): Promise<number> {
  const blocker = sensorBlocker();
  if (blocker) {
    process.stderr.write(`${blocker}\n`);
    return 2;
  }
  const events: Record<string, number> = {};
  const out = new LineWriter(process.stdout);
  const { sensor, kernel, sensorState, badFrames } = streamEvents({
    mode: options.mode,
    ringbufMb: options.ringbufMb,
    onEvent: (type, line) => {
      events[type] = (events[type] ?? 0) + 1;
      if (options.json) out.bytes(line);
      else out.line(describe(JSON.parse(line.toString()) as VigilEvent));
    },
    log: textLog,
  });

  process.stdout.on("error", () => sensor.stop()); // a closed pipe (`| head`) ends the stream
  const stop = () => sensor.stop();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const timer = options.duration ? setTimeout(stop, options.duration * 1000) : undefined;

  const code = await sensor.done;
  clearTimeout(timer);
  out.flush();
  const text = (counts: Record<string, bigint>) =>
    Object.fromEntries(Object.entries(counts).map(([kind, n]) => [kind, String(n)]));
  const summary: Summary = {
    mode: sensorState()?.mode ?? "",
    events,
    kernel: { emitted: text(kernel.emitted), dropped: text(kernel.dropped) },
    badFrames: badFrames(),
  };
  process.stderr.write(`vigil-agent: summary ${JSON.stringify(summary)}\n`);
  return code;
}

/** Host strings are hostile: control characters (newlines, terminal escapes) are shown escaped. */
function shown(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return JSON.stringify(value);
  }
  return value;
}

function describe(event: VigilEvent): string {
  const who = `${event.process.pid} ${shown(event.process.comm)}`;
  switch (event.type) {
    case "exec":
      return `${event.time} exec      ${who} ${shown(event.process.exe)} ${JSON.stringify(event.process.argv)}`;
    case "unlink_running":
      return `${event.time} unlink    ${who} removed running ${shown(event.file.path)} (pids ${event.running.pids.join(",")})`;
    case "ptrace":
      return `${event.time} ptrace    ${who} ${event.request} -> ${event.target.pid} ${shown(event.target.comm)}${event.error ? ` (${event.error})` : ""}`;
    case "mem_write":
      return `${event.time} mem_write ${who} ${event.method} -> ${event.target.pid} ${shown(event.target.comm)} ${event.bytes ?? event.error} bytes`;
    case "fork":
      return `${event.time} fork      ${event.parent.pid} -> ${event.process.pid} ${shown(event.process.comm)}`;
    case "exit":
      return `${event.time} exit      ${who} code ${event.exit.code} signal ${event.exit.signal}`;
  }
}
