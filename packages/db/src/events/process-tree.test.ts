import { type EventType, type VigilEvent, vigilEventSchema } from "@vigil/events";
import { validEvent } from "@vigil/events/fixtures";
import { afterEach, describe, expect, it } from "vitest";
import { testStore } from "../test-store";
import { processTree } from "./process-tree";
import { nsToTime, timeToNs } from "./time";
import { EventWriter } from "./writer";

let cleanup = () => {};
afterEach(() => cleanup());

const t0 = timeToNs("2026-11-28T22:00:00.000000000Z");
const at = (second: number) => t0 + BigInt(second) * 1_000_000_000n;
let n = 0;

function ev(type: EventType, pid: number, ppid: number, second: number, extra: Record<string, unknown> = {}) {
  const base = validEvent(type) as { process: Record<string, unknown> };
  const { process: changes, ...rest } = extra;
  return vigilEventSchema.parse({
    ...base,
    id: `e${n++}`,
    time: nsToTime(at(second)),
    process: { ...base.process, pid, tid: pid, ppid, ...(changes as object) },
    ...(type === "exec" || type === "fork" ? { parent: { pid: ppid, exe: "/sbin/init", comm: "init" } } : {}),
    ...rest,
  });
}
const exec = (pid: number, ppid: number, second: number, exe: string) =>
  ev("exec", pid, ppid, second, {
    process: { exe, argv: [exe.split("/").at(-1), "-x"], comm: exe.slice(-15) },
  });

function setup(events: VigilEvent[]) {
  const t = testStore();
  cleanup = t.cleanup;
  const writer = new EventWriter(t.store.sqlite);
  t.store.sqlite.transaction(() => {
    for (const e of events) writer.insert(t.hostId, e);
  })();
  return (pid: number, second: number) => processTree(t.store.sqlite, t.hostId, pid, at(second));
}

// init (1, not recorded) -> bash 100 -> curl 200 (ptrace) ; sh 300 -> ls 400 ; later a new 200 runs true
const history = () => [
  ev("fork", 100, 1, 1),
  exec(100, 1, 2, "/usr/bin/bash"),
  ev("fork", 200, 100, 10),
  exec(200, 100, 11, "/usr/bin/curl"),
  ev("ptrace", 200, 100, 12),
  ev("exit", 200, 100, 13, { exit: { code: 7, signal: 0 } }),
  ev("fork", 300, 100, 20),
  exec(300, 100, 21, "/bin/sh"),
  ev("fork", 400, 300, 22),
  exec(400, 300, 23, "/bin/ls"),
  ev("exit", 400, 300, 24, { exit: { code: 0, signal: 0 } }),
  ev("exit", 300, 100, 25, { exit: { code: 0, signal: 9 } }),
  ev("fork", 200, 100, 30),
  exec(200, 100, 30, "/usr/bin/true"),
  ev("exit", 200, 100, 31, { exit: { code: 0, signal: 0 } }),
];

const summary = (node: { pid: number; exe: string; children: unknown[] }): unknown => ({
  pid: node.pid,
  exe: node.exe,
  children: (node.children as (typeof node)[]).map(summary),
});

describe("the process view", () => {
  it("finds ancestry up to the oldest recorded process, and the subtree it forked", () => {
    const tree = setup(history())(300, 21);
    expect(tree?.ancestors.map((a) => [a.pid, a.exe])).toEqual([
      [1, "/sbin/init"], // known only as bash's parent
      [100, "/usr/bin/bash"],
    ]);
    expect(summary(tree?.focus as never)).toEqual({
      pid: 300,
      exe: "/bin/sh",
      children: [{ pid: 400, exe: "/bin/ls", children: [] }],
    });
    expect(tree?.focus.exit).toEqual({ time: nsToTime(at(25)), code: 0, signal: 9 });
    expect(tree?.focus.start).toBe(nsToTime(at(20)));
  });

  it("tells apart two processes that had the same pid, and marks the security events of each", () => {
    const tree = setup(history());
    const bash = tree(100, 2);
    expect(summary(bash?.focus as never)).toMatchObject({
      pid: 100,
      children: [
        { pid: 200, exe: "/usr/bin/curl" },
        { pid: 300, exe: "/bin/sh", children: [{ pid: 400 }] },
        { pid: 200, exe: "/usr/bin/true" },
      ],
    });
    const [curl, , again] = bash?.focus.children ?? [];
    expect(curl?.alerts.map((a) => a.type)).toEqual(["ptrace"]);
    expect(curl?.exit?.code).toBe(7);
    expect(again?.alerts).toEqual([]);
    expect(tree(200, 12)?.focus.execs.map((e) => e.exe)).toEqual(["/usr/bin/curl"]);
    expect(tree(200, 30)?.focus.execs.map((e) => e.exe)).toEqual(["/usr/bin/true"]);
    expect(tree(999, 12)).toBeNull();
  });
});
