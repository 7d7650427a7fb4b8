import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { compileCheck } from "./compiled-check";
import { vigilEventSchema } from "./event";
import { eventTypes } from "./event-type";
import { validEvent } from "./fixtures";
import { u32Schema, u64StringSchema } from "./scalars";

/** Each event type, plain and with every optional field it can have. */
const seeds = eventTypes.flatMap((type) => {
  const plain = validEvent(type);
  const rich = structuredClone(plain) as Record<string, Record<string, unknown>>;
  Object.assign(rich.process as object, {
    user: "ana",
    containerId: "c0ffee",
    sha256: "a".repeat(64),
    exeDeleted: true,
    memfd: false,
  });
  Object.assign(rich, {
    policy: { id: "p1", version: 3, rule: "r1" },
    parent: { pid: 1, exe: "/sbin/init", comm: "init" },
    truncated: ["process.argv"],
  });
  if (type === "exec") Object.assign(rich, { script: { path: "/x.sh", interpreter: "/bin/sh" } });
  if (type === "ptrace" || type === "mem_write") Object.assign(rich, { error: "EPERM" });
  return [plain, rich];
});

const tricky = [
  ...[
    0,
    -1,
    1.5,
    127,
    128,
    255,
    256,
    0xffff_ffff,
    2 ** 32,
    2 ** 53,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    -0,
  ],
  ...["", "x", "a".repeat(257), "f".repeat(64), "F".repeat(64), "exec", "fork", "lsm", "audit", "proc_mem"],
  ...["2026-11-28T22:09:18.123456789Z", "2026-11-28T22:09:18.123456789+01:00", "2026-11-28T22:09:18Z"],
  ...["18446744073709551615", "18446744073709551616", "99999999999999999999", "0", "01", "-1"],
  ...["PTRACE_ATTACH", "PTRACE_", "EPERM", "eperm", "toString", "__proto__"],
  ...[null, true, false, undefined, [], {}, [1], ["a"], { a: 1 }],
];

type Mutation = { at: number; op: "delete" | "set" | "add"; key: string; value: unknown };

/** Every [container, key] in the value, so a mutation can pick one. */
function slots(value: unknown, into: [Record<string, unknown>, string][] = []) {
  if (typeof value !== "object" || value === null) return into;
  for (const key of Object.keys(value)) {
    into.push([value as Record<string, unknown>, key]);
    slots((value as Record<string, unknown>)[key], into);
  }
  return into;
}

function mutate(seed: unknown, mutations: Mutation[]): unknown {
  const value = structuredClone(seed);
  for (const { at, op, key, value: shared } of mutations) {
    // a copy: constantFrom hands out the same object every time, and a mutation may add into what it inserted
    const replacement = structuredClone(shared);
    const all = slots(value);
    const [container, slot] = all[at % all.length] as [Record<string, unknown>, string];
    if (op === "delete") delete container[slot];
    else if (op === "set") container[slot] = replacement;
    else {
      const target = container[slot];
      if (typeof target === "object" && target !== null)
        (target as Record<string, unknown>)[key] = replacement;
      else container[key] = replacement;
    }
  }
  return value;
}

const anyValue = fc.oneof(fc.constantFrom(...tricky), fc.jsonValue());
const mutation = fc.record({
  at: fc.nat(),
  op: fc.constantFrom("delete" as const, "set" as const, "add" as const),
  key: fc.constantFrom("extra", "pid", "type", "constructor", "__proto__", "0"),
  value: anyValue,
});

describe("compileCheck", () => {
  const isEvent = compileCheck(vigilEventSchema);

  it("accepts every valid event, with and without its optional fields", () => {
    for (const seed of seeds) expect(isEvent(seed), JSON.stringify(seed)).toBe(true);
  });

  it("agrees with zod on mutated events", () => {
    fc.assert(
      fc.property(fc.nat(seeds.length - 1), fc.array(mutation, { minLength: 1, maxLength: 3 }), (s, m) => {
        const input = mutate(seeds[s], m);
        expect(isEvent(input)).toBe(vigilEventSchema.safeParse(input).success);
      }),
      { numRuns: 5000 },
    );
  });

  it("agrees with zod on inputs that are not events at all", () => {
    fc.assert(
      fc.property(fc.oneof(anyValue, fc.anything()), (input) => {
        expect(isEvent(input)).toBe(vigilEventSchema.safeParse(input).success);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ["u32", u32Schema],
    ["u64 string", u64StringSchema],
    ["bounded string", z.string().min(2).max(4)],
    ["exclusive bounds", z.number().gt(0).lt(10)],
    ["loose object", z.looseObject({ a: z.int() })],
    ["plain union", z.union([z.literal(1), z.string().nullable()])],
  ])("agrees with zod on a %s", (_name, schema) => {
    const check = compileCheck(schema);
    fc.assert(
      fc.property(anyValue, (input) => {
        expect(check(input)).toBe(schema.safeParse(input).success);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ["an object that strips unknown keys", z.object({ a: z.string() })],
    ["a transform", z.string().transform((s) => s.length)],
    ["a default", z.string().default("x")],
    ["a string format", z.email()],
  ])("refuses %s, whose output is not its input or that it cannot mirror", (_name, schema) => {
    expect(() => compileCheck(schema)).toThrow(/compileCheck/);
  });
});
