import { describe, expect, it } from "vitest";
import { WriteTurns } from "./write-turns";

describe("WriteTurns", () => {
  it("runs writes in order, one per turn, with other work of the loop between them", async () => {
    const turns = new WriteTurns();
    const order: string[] = [];
    const writes = [1, 2, 3].map((n) =>
      turns.run(() => {
        order.push(`write ${n}`);
        setTimeout(() => order.push(`timer after ${n}`), 0);
        const until = Date.now() + 5; // a transaction that takes a while
        while (Date.now() < until);
        return n;
      }),
    );
    expect(await Promise.all(writes)).toEqual([1, 2, 3]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(order).toEqual([
      "write 1",
      "timer after 1",
      "write 2",
      "timer after 2",
      "write 3",
      "timer after 3",
    ]);
  });

  it("rejects a write that throws and goes on with the next", async () => {
    const turns = new WriteTurns();
    const failed = turns.run(() => {
      throw new Error("disk full");
    });
    const next = turns.run(() => "stored");
    await expect(failed).rejects.toThrow("disk full");
    expect(await next).toBe("stored");
  });
});
