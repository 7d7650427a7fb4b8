import { describe, expect, it } from "vitest";
import { recordedRecords } from "../../test/fixtures";
import { layout } from "./abi";
import { DecodeError, decodeRecord } from "./records";

const records = recordedRecords();
const [hello, exec, fork, exit, unlink, ptrace, procMem, stats, vmWritev] = records.map((r) =>
  decodeRecord(r),
);

describe("decodeRecord on frames recorded from the sensor", () => {
  it("decodes a record in place inside a larger buffer as it decodes the record alone", () => {
    const junk = Buffer.from("junk-before");
    const stream = Buffer.concat([junk, ...records, junk]);
    let at = junk.length;
    for (const record of records) {
      expect(decodeRecord(stream, at, at + record.length)).toEqual(decodeRecord(record));
      at += record.length;
    }
  });

  it("decodes the hello record", () => {
    expect(hello).toMatchObject({ kind: "hello", mode: "tracepoint", abiVersion: 2, ringbufBytes: 16 << 20 });
    expect(hello?.kind === "hello" && hello.reason).toContain("tracepoint");
  });

  it("decodes an exec with its resolved exe, cwd and argv", () => {
    expect(exec).toMatchObject({
      kind: "exec",
      header: { comm: "probe-true", uid: 0 },
      filename: "/tmp/scn-exec.Y1nPVd/probe-true",
      exe: { path: "/tmp/scn-exec.Y1nPVd/probe-true", detached: false },
      cwd: "/tmp/scn-exec.Y1nPVd",
      argv: ["./probe-true", "--alpha", "two words", "tag-1834720120"],
      argc: 4,
      interp: null,
      truncated: [],
    });
  });

  it("decodes fork, exit, unlink, ptrace and both memory writes", () => {
    expect(fork).toMatchObject({ kind: "fork", header: { comm: "bash" } });
    expect(exit).toMatchObject({ kind: "exit", header: { comm: "probe-true" }, exitCode: 0 });
    expect(unlink).toMatchObject({
      kind: "unlink",
      op: "unlink",
      inodeKnown: true,
      path: "/tmp/scn-unlink.lNkaMM/victim",
      dir: null,
      result: 0,
      header: { comm: "rm" },
    });
    expect(unlink?.kind === "unlink" && unlink.running).toBe(1);
    expect(ptrace).toMatchObject({ kind: "ptrace", request: 16n, targetPid: 20749, result: 0 });
    expect(procMem).toMatchObject({ kind: "mem_write", method: "proc_mem", targetPid: 20791, result: 8n });
    expect(vmWritev).toMatchObject({
      kind: "mem_write",
      method: "process_vm_writev",
      targetPid: 20833,
      result: 8n,
    });
  });

  it("decodes the kernel's counters", () => {
    expect(stats?.kind).toBe("stats");
    if (stats?.kind !== "stats") return;
    expect(stats.emitted).toHaveLength(8);
    expect(stats.dropped.every((n) => n === 0n)).toBe(true);
    expect(stats.emitted[1]).toBeGreaterThan(0n);
  });
});

describe("decodeRecord on what a policy decided", () => {
  it("reads the kernel's decision carried by a record, none when the verdict is 0", () => {
    expect(decodeRecord(records[1] as Buffer)).toMatchObject({ kind: "exec", decision: null });
    const denied = Buffer.from(records[5] as Buffer); // ptrace
    const at = layout.vigil_ptrace.fields.decision[0];
    denied.writeUInt32LE(7, at + layout.vigil_decision.fields.policy_gen[0]);
    denied.writeUInt16LE(3, at + layout.vigil_decision.fields.rule[0]);
    denied.writeUInt16LE(1, at + layout.vigil_decision.fields.verdict[0]);
    expect(decodeRecord(denied)).toMatchObject({ decision: { generation: 7, rule: 3, verdict: "denied" } });
    denied.writeUInt16LE(9, at + layout.vigil_decision.fields.verdict[0]);
    expect(() => decodeRecord(denied)).toThrow(/unknown verdict 9/);
  });

  it("reads the sensor's answer to a policy generation", () => {
    const message = Buffer.from("policy line 3: unknown command 'x'\0");
    const ack = Buffer.alloc(layout.vigil_policy_ack.size + message.length);
    const f = layout.vigil_policy_ack.fields;
    ack.writeUInt16LE(102, layout.vigil_header.fields.type[0]);
    ack.writeUInt32LE(ack.length, layout.vigil_header.fields.size[0]);
    ack.writeUInt32LE(4, f.policy_gen[0]);
    ack.writeInt32LE(-22, f.error[0]);
    ack.writeUInt16LE(message.length, f.message_len[0]);
    message.copy(ack, layout.vigil_policy_ack.size);
    expect(decodeRecord(ack)).toMatchObject({
      kind: "policy",
      generation: 4,
      error: -22,
      message: "policy line 3: unknown command 'x'",
    });
  });
});

describe("decodeRecord on damaged records", () => {
  const execRecord = records[1] as Buffer;

  it("refuses a record shorter than its header", () => {
    expect(() => decodeRecord(execRecord.subarray(0, 40))).toThrow(/shorter than its 64-byte header/);
  });

  it("refuses a record whose size field disagrees with the frame", () => {
    expect(() => decodeRecord(execRecord.subarray(0, execRecord.length - 1))).toThrow(
      /header says \d+ bytes/,
    );
  });

  it("refuses string lengths that run past the record", () => {
    const bad = Buffer.from(execRecord);
    bad.writeUInt16LE(60000, layout.vigil_exec.fields.argv_len[0]);
    expect(() => decodeRecord(bad)).toThrow(/run past its end/);
  });

  it("refuses an unknown record type", () => {
    const bad = Buffer.from(execRecord);
    bad.writeUInt16LE(77, layout.vigil_header.fields.type[0]);
    expect(() => decodeRecord(bad)).toThrow(DecodeError);
    expect(() => decodeRecord(bad)).toThrow(/unknown record type 77/);
  });

  it("refuses a fixed-size record cut short", () => {
    const cut = Buffer.from((records[5] as Buffer).subarray(0, 70));
    cut.writeUInt32LE(70, layout.vigil_header.fields.size[0]);
    expect(() => decodeRecord(cut)).toThrow(/ptrace record of 70 bytes is shorter than 96/);
  });
});
