import { describe, expect, it } from "vitest";
import { WriteTurns } from "./write-turns";

/** Transactions as the log of what ran in each; writes advance a clock by 20 ms. */
function writer(commit: (group: number) => void = () => {}) {
  const log: string[] = [];
  let clock = 0;
  let groups = 0;
  let rolledBack = 0;
  const turns = new WriteTurns(
    (work) => {
      const group = ++groups;
      log.push(`begin ${group}`);
      try {
        work();
        commit(group);
      } catch (error) {
        log.push(`rollback ${group}`);
        throw error;
      }
      log.push(`commit ${group}`);
    },
    () => rolledBack++,
    50,
    () => clock,
  );
  const write = (name: string, fail = false) =>
    turns.run(() => {
      clock += 20;
      log.push(name);
      setImmediate(() => log.push(`then ${name}`)); // other work that waits for the loop
      if (fail) throw new Error(`${name} refused`);
      return name;
    });
  return { log, write, rolledBack: () => rolledBack };
}

describe("WriteTurns", () => {
  it("writes the batches waiting together in one transaction, for up to its budget; other work runs between", async () => {
    const { log, write } = writer();
    const answers = ["w1", "w2", "w3", "w4"].map((name) => write(name));
    expect(await Promise.all(answers)).toEqual(["w1", "w2", "w3", "w4"]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(log).toEqual([
      "begin 1",
      "w1",
      "w2",
      "w3", // 40 ms in: still within the 50 ms budget
      "commit 1",
      "then w1",
      "then w2",
      "then w3",
      "begin 2",
      "w4",
      "commit 2",
      "then w4",
    ]);
  });

  it("rolls a group back when a write throws, refuses that one, and writes the others again", async () => {
    const { log, write, rolledBack } = writer();
    const [first, failed, next] = [write("w1"), write("w2", true), write("w3")];
    await expect(failed).rejects.toThrow("w2 refused");
    expect(await first).toBe("w1");
    expect(await next).toBe("w3");
    expect(rolledBack()).toBe(1);
    expect(log.filter((line) => !line.startsWith("then"))).toEqual([
      "begin 1",
      "w1",
      "w2",
      "rollback 1",
      "begin 2",
      "w1",
      "w3",
      "commit 2",
    ]);
  });

  it("refuses every write of a group whose commit failed, says so, and goes on", async () => {
    const { write, rolledBack } = writer((group) => {
      if (group === 1) throw new Error("SQLITE_FULL");
    });
    const group = [write("w1"), write("w2")];
    await expect(group[0]).rejects.toThrow("SQLITE_FULL");
    await expect(group[1]).rejects.toThrow("SQLITE_FULL");
    expect(rolledBack()).toBe(1);
    expect(await write("w3")).toBe("w3");
  });
});
