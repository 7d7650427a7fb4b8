import { describe, expect, it } from "vitest";
import { oncePer } from "./once-per";

describe("a value made once per key", () => {
  it("is made at the first ask for each key and the same one after", () => {
    const made: object[] = [];
    const madeFor = oncePer((key: object) => {
      made.push(key);
      return { for: key };
    });
    const a = {};
    const b = {};
    expect(madeFor(a)).toBe(madeFor(a));
    expect(madeFor(b)).not.toBe(madeFor(a));
    expect(made).toEqual([a, b]);
  });
});
