import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEvent } from "@vigil/events";
import { describe, expect, it } from "vitest";
import type { ExecRecord, Header, KernelRecord, UnlinkRecord } from "./decode/records";
import { Enricher } from "./enrich";
import { ProcessTable } from "./process-table";
import { UserNames } from "./users";

const host = { id: "host-1", name: "web-1" };

function header(pid: number, comm: string, extra: Partial<Header> = {}): Header {
  return {
    type: 1,
    flags: 0,
    size: 0,
    ktimeHigh: 1,
    ktimeLow: 705_032_827, // 2^32 + 705032827 = 5_000_000_123 ns
    cgroupId: "7",
    pid,
    tid: pid,
    ppid: 1,
    uid: 0,
    euid: 0,
    gid: 0,
    comm,
    ...extra,
  };
}

function execRecord(pid: number, exe: string, extra: Partial<ExecRecord> = {}): ExecRecord {
  return {
    kind: "exec",
    header: header(pid, exe.split("/").at(-1) ?? exe),
    exeIno: "42",
    exeMtimeNs: 0n,
    exeDev: (254 << 20) | 1, // kernel dev_t 254:1
    exeNlink: 1,
    argc: 1,
    filename: exe,
    interp: null,
    exe: { path: exe, detached: false },
    cwd: "/srv",
    argv: [exe],
    truncated: [],
    decision: null,
    ...extra,
  };
}

function unlinkRecord(pid: number, path: string, extra: Partial<UnlinkRecord> = {}): UnlinkRecord {
  return {
    kind: "unlink",
    header: header(pid, "rm"),
    op: "unlink",
    inodeKnown: false,
    pathWalked: false,
    ino: "0",
    dev: 0,
    running: 0,
    result: 0,
    path,
    dir: "/srv",
    truncated: false,
    decision: null,
    ...extra,
  };
}

/** The event JSON an enricher writes for a record, as text. */
function json(e: Enricher, record: KernelRecord): string | null {
  return e.write(record)?.toString() ?? null;
}

function enricher(): Enricher {
  const e = new Enricher(host, "boot", new ProcessTable());
  json(e, {
    kind: "hello",
    header: header(1, "vigil-sensor"),
    realtimeOffsetNs: 1_700_000_000_000_000_000n,
    abiVersion: 1,
    mode: "tracepoint",
    ringbufBytes: 1 << 20,
    reason: "test",
    kernelRelease: "6.18",
  });
  return e;
}

function valid(json: string | null) {
  if (json === null) throw new Error("no event");
  const parsed = parseEvent(JSON.parse(json));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.event;
}

describe("Enricher", () => {
  it("gives an exec its time from the kernel clock, the user-space device number and its parent", () => {
    const e = enricher();
    json(e, execRecord(10, "/usr/bin/bash"));
    const event = valid(json(e, execRecord(11, "/usr/bin/id", { header: header(11, "id", { ppid: 10 }) })));
    expect(event).toMatchObject({
      type: "exec",
      time: "2023-11-14T22:13:25.000000123Z",
      parent: { pid: 10, exe: "/usr/bin/bash", comm: "bash" },
      file: { path: "/usr/bin/id", dev: (254 << 8) | 1, inode: "42" },
    });
  });

  it("names the process's user as the host does, and leaves a uid without a name unnamed", () => {
    const passwd = join(mkdtempSync(join(tmpdir(), "vigil-passwd-")), "passwd");
    writeFileSync(passwd, "root:x:0:0::/:/bin/sh\n");
    const e = new Enricher(host, "boot", new ProcessTable(), new UserNames(passwd));
    expect(valid(json(e, execRecord(14, "/usr/bin/id"))).process.user).toBe("root");
    const stranger = execRecord(15, "/usr/bin/id", { header: header(15, "id", { uid: 4242 }) });
    expect(valid(json(e, stranger)).process.user).toBeUndefined();
  });

  it("reports an exec the kernel denied without changing what the process runs", () => {
    const e = enricher();
    json(e, execRecord(13, "/usr/bin/bash"));
    const denied = execRecord(13, "/tmp/payload", {
      argv: [],
      truncated: ["process.argv"],
      decision: { generation: 1, rule: 0, verdict: "denied" },
    });
    expect(valid(json(e, denied))).toMatchObject({ process: { exe: "/tmp/payload", argv: [] } });
    expect(e.table.get(13)?.program.exe).toBe("/usr/bin/bash");
  });

  it("names the script and its interpreter, resolving the script against the cwd", () => {
    const e = enricher();
    const record = execRecord(12, "/usr/bin/dash", { filename: "./run.sh", interp: "/bin/sh" });
    expect(valid(json(e, record))).toMatchObject({
      script: { path: "/srv/run.sh", interpreter: "/bin/sh" },
    });
  });

  it("reports an unlink outside any filesystem hook only when the path is a running executable", () => {
    const e = enricher();
    json(e, execRecord(20, "/srv/app/daemon"));
    expect(json(e, unlinkRecord(30, "app/idle"))).toBeNull();
    const event = valid(json(e, unlinkRecord(30, "app/../app/daemon")));
    expect(event).toMatchObject({
      type: "unlink_running",
      file: { path: "/srv/app/daemon", inode: "42" },
      running: { pids: [20] },
    });
  });

  it("stops matching a path once the process running it has exited", () => {
    const e = enricher();
    json(e, execRecord(21, "/srv/app/daemon"));
    json(e, { kind: "exit", header: header(21, "daemon"), exitCode: 0 });
    expect(json(e, unlinkRecord(31, "/srv/app/daemon"))).toBeNull();
  });

  it("trusts the filesystem hook's verdict when it saw the inode", () => {
    const e = enricher();
    json(e, execRecord(22, "/srv/app/daemon"));
    const known = { inodeKnown: true, ino: "42", dev: (254 << 20) | 1, dir: null };
    expect(json(e, unlinkRecord(32, "/srv/app/daemon", { ...known, running: 0 }))).toBeNull();
    expect(valid(json(e, unlinkRecord(32, "/srv/app/daemon", { ...known, running: 1 })))).toMatchObject({
      running: { pids: [22] },
    });
  });

  it("reports a process's exit once even when its last two threads both saw it", () => {
    const e = enricher();
    json(e, execRecord(23, "/usr/bin/sleep"));
    const exit = { kind: "exit" as const, header: header(23, "sleep"), exitCode: (3 << 8) | 0 };
    expect(valid(json(e, exit))).toMatchObject({
      exit: { code: 3, signal: 0 },
      process: { exe: "/usr/bin/sleep" },
    });
    expect(json(e, exit)).toBeNull();
  });

  it("names failed ptrace and memory-write attempts by errno", () => {
    const e = enricher();
    const ptrace = json(e, {
      kind: "ptrace",
      header: header(40, "gdb"),
      request: 16n,
      addr: 0n,
      targetPid: 1,
      result: -1,
      decision: null,
    });
    expect(valid(ptrace)).toMatchObject({ request: "PTRACE_ATTACH", error: "EPERM" });
    const write = json(e, {
      kind: "mem_write",
      header: header(40, "gdb"),
      method: "process_vm_writev",
      atOpen: false,
      addr: 0n,
      result: -3n,
      decision: null,
      targetPid: 99999,
      request: 0n,
    });
    expect(valid(write)).toMatchObject({ method: "process_vm_writev", error: "ESRCH" });
    expect(valid(write)).not.toHaveProperty("bytes");
  });
});
