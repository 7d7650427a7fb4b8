import { readFileSync } from "node:fs";
import { FRAME_MAGIC } from "../src/decode/abi";

/**
 * Frames recorded from the real sensor while the shared scenarios ran (exec-basic, unlink-running,
 * ptrace-attach, proc-mem-write, process-vm-writev): hello, exec, fork, exit, unlink, ptrace, mem_write, stats,
 * mem_write.
 */
export const recordedStream = readFileSync(new URL("./fixtures/scenarios.frames", import.meta.url));

/** The recorded records, each without its frame header. */
export function recordedRecords(): Buffer[] {
  const records: Buffer[] = [];
  for (let at = 0; at < recordedStream.length; ) {
    const length = recordedStream.readUInt32LE(at + 4);
    records.push(Buffer.from(recordedStream.subarray(at + 8, at + 8 + length)));
    at += 8 + length;
  }
  return records;
}

export function frame(record: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32LE(FRAME_MAGIC, 0);
  header.writeUInt32LE(record.length, 4);
  return Buffer.concat([header, record]);
}
