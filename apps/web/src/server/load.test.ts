import { describe, expect, it } from "vitest";
import { BodyLimiter } from "./load";

describe("BodyLimiter", () => {
  it("is full while too many requests are reading their bodies, and frees up as they finish", async () => {
    const limiter = new BodyLimiter(2);
    let arrive = () => {};
    const body = new Promise<string>((resolve) => {
      arrive = () => resolve("{}");
    });
    const first = limiter.read(() => body);
    expect(limiter.full()).toBe(false);
    const second = limiter.read(() => body);
    expect(limiter.full()).toBe(true);
    arrive();
    expect(await Promise.all([first, second])).toEqual(["{}", "{}"]);
    expect(limiter.full()).toBe(false);
  });

  it("frees its place when a body fails", async () => {
    const limiter = new BodyLimiter(1);
    await expect(limiter.read(() => Promise.reject(new Error("reset")))).rejects.toThrow("reset");
    expect(limiter.full()).toBe(false);
  });
});
