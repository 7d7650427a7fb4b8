import { describe, expect, it } from "vitest";
import { vigilEventSchema } from "./event";
import { eventTypes } from "./event-type";
import { validEvent } from "./fixtures";

describe("vigilEventSchema", () => {
  it.each(eventTypes)("accepts a valid %s event", (type) => {
    expect(vigilEventSchema.parse(validEvent(type))).toEqual(validEvent(type));
  });

  it("covers exactly the event types in eventTypes", () => {
    const discriminators = vigilEventSchema.options.map((option) => option.shape.type.value);
    expect(discriminators).toEqual([...eventTypes]);
  });

  it.each([
    ["exec", "parent"],
    ["exec", "file"],
    ["unlink_running", "file"],
    ["unlink_running", "running"],
    ["ptrace", "request"],
    ["ptrace", "target"],
    ["mem_write", "method"],
    ["mem_write", "target"],
    ["fork", "parent"],
    ["exit", "exit"],
    ["exit", "process"],
  ] as const)("requires %s events to carry %s", (type, field) => {
    const event = validEvent(type);
    delete event[field];
    expect(vigilEventSchema.safeParse(event).success).toBe(false);
  });

  it("rejects fields that belong to another event type", () => {
    expect(vigilEventSchema.safeParse({ ...validEvent("exec"), bytes: 10 }).success).toBe(false);
  });

  it("accepts the optional enrichment fields", () => {
    const exec = validEvent("exec");
    const extras = {
      ...exec,
      policy: { id: "protect-running-binaries", version: 3, rule: "no-delete-running" },
      verdict: "audit",
      sensor: "lsm",
      script: { path: "/opt/run.sh", interpreter: "/usr/bin/bash" },
      truncated: ["process.argv"],
      process: {
        ...(exec.process as object),
        containerId: "3f2a9c",
        sha256: "a".repeat(64),
        exeDeleted: true,
        memfd: false,
      },
    };
    expect(vigilEventSchema.safeParse(extras).success).toBe(true);
    const failedWrite = { ...validEvent("mem_write"), error: "EPERM", bytes: undefined };
    expect(vigilEventSchema.safeParse(failedWrite).success).toBe(true);
  });

  it("accepts exit events without a parent", () => {
    expect(vigilEventSchema.safeParse(validEvent("exit")).success).toBe(true);
  });
});
