import { describe, expect, it } from "vitest";
import { Overload } from "./overload";

describe("overload", () => {
  it("is overloaded while the event loop is late on average, not for one long pause", () => {
    let mean = 0;
    const delay = { mean: 0, reset: () => {} };
    Object.defineProperty(delay, "mean", { get: () => mean });
    const overload = new Overload(100, delay);
    mean = 20e6;
    expect(overload.check()).toBe(false);
    mean = 150e6;
    expect(overload.check()).toBe(true);
    expect(overload.overloaded).toBe(true);
    mean = 40e6;
    expect(overload.check()).toBe(false);
  });

  it("reads the real event loop: a busy loop makes it overloaded", async () => {
    const overload = new Overload(50);
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      const blockUntil = Date.now() + 200;
      while (Date.now() < blockUntil) {} // the event loop is held, as by a long synchronous insert
      await new Promise((r) => setImmediate(r));
    }
    expect(overload.check()).toBe(true);
  });
});
