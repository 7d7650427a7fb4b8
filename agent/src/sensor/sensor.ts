import { type ChildProcess, spawn } from "node:child_process";
import { FrameReader } from "../decode/frames";
import { decodeRecord, type KernelRecord } from "../decode/records";
import { env } from "../env";

export type SensorOptions = {
  mode?: "auto" | "lsm" | "tracepoint";
  ringbufMb?: number;
  statsMs?: number;
  onRecord: (record: KernelRecord) => void;
  onBadFrame: (error: string) => void;
  onLog: (line: string) => void;
};

export type RunningSensor = {
  child: ChildProcess;
  stop: () => void;
  /** Writes lines to the sensor's stdin (policy generations, see bpf/sensor/policy.c); false once it has gone. */
  send: (lines: string[]) => boolean;
  /** Resolves with the sensor's exit code once its stream has been read to the end. */
  done: Promise<number>;
};

/** Starts vigil-sensor and decodes its stream; records arrive in kernel order. */
export function startSensor(options: SensorOptions): RunningSensor {
  const args = ["--mode", options.mode ?? "auto"];
  if (options.ringbufMb) args.push("--ringbuf-mb", String(options.ringbufMb));
  if (options.statsMs) args.push("--stats-ms", String(options.statsMs));
  const child = spawn(env.sensorPath, args, { stdio: ["pipe", "pipe", "pipe"] });
  child.stdin.on("error", () => {}); // a sensor that stopped: `done` reports it
  let frameNumber = 0;
  const reader = new FrameReader({
    record(buf, start, end) {
      frameNumber += 1;
      try {
        options.onRecord(decodeRecord(buf, start, end));
      } catch (error) {
        options.onBadFrame(`frame ${frameNumber}: ${(error as Error).message}`);
      }
    },
    error(message) {
      frameNumber += 1;
      options.onBadFrame(message);
    },
  });

  child.stdout.on("data", (chunk: Buffer) => reader.push(chunk));
  let stderrTail = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (text: string) => {
    const lines = (stderrTail + text).split("\n");
    stderrTail = lines.pop() ?? "";
    for (const line of lines) options.onLog(line);
  });

  const done = new Promise<number>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      reader.end();
      if (stderrTail) options.onLog(stderrTail);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
  const send = (lines: string[]) => {
    if (!child.stdin.writable) return false;
    child.stdin.write(`${lines.join("\n")}\n`);
    return true;
  };
  return { child, stop: () => child.kill("SIGTERM"), send, done };
}
