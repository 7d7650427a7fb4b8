import { describe, expect, it } from "vitest";
import { ServerLoad } from "./load";

const spin = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("ServerLoad", () => {
  it("sheds load after a window in which the event loop never idled, and recovers when it idles", async () => {
    const load = new ServerLoad(500, 0.9);
    expect(load.overloaded()).toBe(false);
    spin(600);
    expect(load.overloaded()).toBe(true);
    await sleep(600);
    expect(load.overloaded()).toBe(false);
  });

  it("sheds load while too many requests are reading their bodies", async () => {
    const load = new ServerLoad(500, 0.9, 2);
    let arrive = () => {};
    const body = new Promise<string>((resolve) => {
      arrive = () => resolve("{}");
    });
    const reads = [load.read(() => body), load.read(() => body)];
    expect(load.overloaded()).toBe(true);
    arrive();
    expect(await Promise.all(reads)).toEqual(["{}", "{}"]);
    expect(load.overloaded()).toBe(false);
  });
});
