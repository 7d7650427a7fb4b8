import { describe, expect, it } from "vitest";
import { Overload } from "./overload";

describe("overload", () => {
  it("is overloaded while the event loop is late on average two seconds running, not for one long pause", () => {
    let mean = 0;
    const delay = { mean: 0, reset: () => {} };
    Object.defineProperty(delay, "mean", { get: () => mean });
    const overload = new Overload(100, delay);
    mean = 20e6;
    expect(overload.check()).toBe(false);
    mean = 150e6;
    expect(overload.check()).toBe(false); // one late second: a long batch or checkpoint
    expect(overload.check()).toBe(true);
    expect(overload.overloaded).toBe(true);
    mean = 40e6;
    expect(overload.check()).toBe(false);
  });

  it("reads the real event loop: held two seconds running, it is overloaded", async () => {
    const overload = new Overload(50);
    const seconds = [];
    for (let second = 0; second < 2; second++) {
      await holdTheLoop(1200);
      seconds.push(overload.check());
    }
    expect(seconds).toEqual([false, true]);
  });
});

/** Holds the event loop 200 ms at a time, as long synchronous inserts would, for `ms`. */
async function holdTheLoop(ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const blockUntil = Date.now() + 200;
    while (Date.now() < blockUntil) {}
    await new Promise((r) => setImmediate(r));
  }
}
