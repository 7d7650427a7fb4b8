import type { VigilEvent } from "@vigil/events";
import type { KernelRecord } from "../decode/records";
import { Enricher } from "../enrich";
import { hostIdentity } from "../host";
import { LineWriter } from "../line-writer";
import { sensorBlocker } from "../preflight";
import { startSensor } from "../sensor/sensor";

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

const kindNames = ["none", "exec", "fork", "exit", "unlink", "ptrace", "mem_write", "reserved"];

/** `vigil-agent tail`: this host's events on stdout until interrupted or the duration ends. */
export async function tail(options: TailOptions): Promise<number> {
  const blocker = sensorBlocker();
  if (blocker) {
    process.stderr.write(`${blocker}\n`);
    return 2;
  }
  const { host, bootId } = hostIdentity();
  const enricher = new Enricher(host, bootId);
  const summary: Summary = { mode: "", events: {}, kernel: { emitted: {}, dropped: {} }, badFrames: 0 };
  const out = new LineWriter(process.stdout);
  let droppedSoFar = 0n;

  const print = (type: string, line: Buffer) => {
    summary.events[type] = (summary.events[type] ?? 0) + 1;
    if (options.json) out.bytes(line);
    else out.line(describe(JSON.parse(line.toString()) as VigilEvent));
  };
  const onStats = (record: Extract<KernelRecord, { kind: "stats" }>) => {
    const dropped = record.dropped.reduce((sum, n) => sum + n, 0n);
    if (dropped > droppedSoFar) {
      process.stderr.write(
        `vigil-agent: the kernel dropped ${dropped - droppedSoFar} records (ring buffer full); ` +
          "raise --ringbuf-mb\n",
      );
    }
    droppedSoFar = dropped;
    record.emitted.forEach((n, i) => {
      if (n > 0n) summary.kernel.emitted[kindNames[i] ?? String(i)] = String(n);
    });
    record.dropped.forEach((n, i) => {
      if (n > 0n) summary.kernel.dropped[kindNames[i] ?? String(i)] = String(n);
    });
  };

  const sensor = startSensor({
    mode: options.mode,
    ringbufMb: options.ringbufMb,
    onRecord: (record) => {
      if (record.kind === "stats") onStats(record);
      if (record.kind === "hello") {
        summary.mode = record.mode;
        enricher.table.seedFromProc();
      }
      const line = enricher.write(record);
      if (line !== null) print(record.kind === "unlink" ? "unlink_running" : record.kind, line);
    },
    onBadFrame: (error) => {
      summary.badFrames += 1;
      process.stderr.write(`vigil-agent: skipped a bad record: ${error}\n`);
    },
    onLog: (line) => process.stderr.write(`${line}\n`),
  });

  process.stdout.on("error", () => sensor.stop()); // a closed pipe (`| head`) ends the stream
  const stop = () => sensor.stop();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const timer = options.duration ? setTimeout(stop, options.duration * 1000) : undefined;

  const code = await sensor.done;
  clearTimeout(timer);
  out.flush();
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
