import { describe, expect, it } from "vitest";
import { BodyLimiter, MAX_BATCH_BYTES, WriteBacklog } from "./load";

describe("BodyLimiter", () => {
  it("is full while the batches in hand add up to its limit, and frees up as they finish", async () => {
    const limiter = new BodyLimiter(3 * MAX_BATCH_BYTES);
    let arrive = () => {};
    const body = new Promise<string>((resolve) => {
      arrive = () => resolve("{}");
    });
    const large = BodyLimiter.sizeOf(null); // no declared length: the most a body may be
    const first = limiter.read(large, () => body);
    const second = limiter.read(large, () => body);
    expect(limiter.full(large)).toBe(false);
    const third = limiter.read(large, () => body);
    expect(limiter.full(large)).toBe(true);
    expect(limiter.full(BodyLimiter.sizeOf("2000"))).toBe(true);
    arrive();
    expect(await Promise.all([first, second, third])).toEqual(["{}", "{}", "{}"]);
    expect(limiter.full(large)).toBe(false);
  });

  it("holds many small batches where it holds few large ones", async () => {
    const limiter = new BodyLimiter(2 * MAX_BATCH_BYTES);
    const small = BodyLimiter.sizeOf("3000");
    const waiting: Promise<void>[] = [];
    let arrive = () => {};
    const body = new Promise<void>((resolve) => {
      arrive = resolve;
    });
    for (let i = 0; i < 500; i++) {
      expect(limiter.full(small)).toBe(false);
      waiting.push(limiter.read(small, () => body));
    }
    arrive();
    await Promise.all(waiting);
  });

  it("counts a body declared larger than allowed, or not a number, as the largest", () => {
    expect(BodyLimiter.sizeOf(String(MAX_BATCH_BYTES + 1))).toBe(MAX_BATCH_BYTES);
    expect(BodyLimiter.sizeOf("-5")).toBe(MAX_BATCH_BYTES);
    expect(BodyLimiter.sizeOf("12abc")).toBe(MAX_BATCH_BYTES);
    expect(BodyLimiter.sizeOf("100")).toBe(64 * 1024);
  });

  it("frees its place when a body fails", async () => {
    const limiter = new BodyLimiter(MAX_BATCH_BYTES);
    await expect(limiter.read(MAX_BATCH_BYTES, () => Promise.reject(new Error("reset")))).rejects.toThrow(
      "reset",
    );
    expect(limiter.full(MAX_BATCH_BYTES)).toBe(false);
  });
});

describe("WriteBacklog", () => {
  it("is full while the events waiting for the writer reach its limit, and frees up as they are stored or fail", async () => {
    const backlog = new WriteBacklog(10_000);
    let store = () => {};
    const stored = new Promise<void>((resolve) => {
      store = resolve;
    });
    const first = backlog.write(5000, () => stored);
    expect(backlog.full).toBe(false);
    const failed = backlog.write(5000, () => Promise.reject(new Error("SQLITE_FULL")));
    await expect(failed).rejects.toThrow("SQLITE_FULL");
    expect(backlog.full).toBe(false);
    const second = backlog.write(5000, () => stored);
    expect(backlog.full).toBe(true);
    store();
    await Promise.all([first, second]);
    expect(backlog.full).toBe(false);
  });
});
