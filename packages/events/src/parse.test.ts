import { describe, expect, it } from "vitest";
import { validEvent } from "./fixtures";
import { parseEvent } from "./parse";
import { loneSurrogateAt } from "./scalars";

function errorOf(json: unknown): string {
  const result = parseEvent(json);
  if (result.ok) throw new Error("expected parseEvent to fail");
  return result.error;
}

describe("parseEvent", () => {
  it("returns the typed event when valid", () => {
    const result = parseEvent(validEvent("ptrace"));
    expect(result.ok).toBe(true);
    if (result.ok && result.event.type === "ptrace") expect(result.event.target.comm).toBe("sshd");
  });

  it.each([
    "2026-11-28T22:09:18Z",
    "2026-11-28T22:09:18.123456Z",
    "2026-11-28 22:09:18.123456789Z",
    "2026-13-28T22:09:18.123456789Z",
    "2026-11-28T22:09:18.123456789",
  ])("rejects time %s", (time) => {
    expect(errorOf({ ...validEvent("exec"), time })).toMatch(
      /^time: expected RFC 3339 time with nanoseconds/,
    );
  });

  it.each([
    "2026-04-31T00:00:00.000000000Z", // April has 30 days
    "2025-02-29T00:00:00.000000000Z",
    "1969-12-31T23:59:59.999999999Z",
    "1970-01-01T00:30:00.000000000+01:00", // 1969 in UTC
    "2262-04-11T23:47:16.854775808Z", // one past what 64-bit nanoseconds hold
    "0000-01-01T00:00:00.000000000Z",
  ])("rejects time %s, which is no day or cannot be stored", (time) => {
    expect(errorOf({ ...validEvent("exec"), time })).toBe(
      "time: expected a real date from 1970-01-01 to 2262-04-11 (nanoseconds since 1970 in 64 bits)",
    );
  });

  it.each([
    "2024-02-29T00:00:00.000000000Z",
    "1970-01-01T00:00:00.000000000Z",
    "2262-04-11T23:47:16.854775807Z",
  ])("accepts time %s", (time) => {
    expect(parseEvent({ ...validEvent("exec"), time }).ok).toBe(true);
  });

  it("finds a string with a lone surrogate, which UTF-8 cannot hold, and says where", () => {
    const event = validEvent("exec");
    expect(loneSurrogateAt(event)).toBeNull();
    (event.process as { argv: unknown[] }).argv = ["sh", "ok \ud83d\ude00", "bad \ud800"];
    expect(loneSurrogateAt(event)).toBe("process.argv[2]");
    expect(loneSurrogateAt({ ...validEvent("exec"), host: { id: "h", name: "\udfff" } })).toBe("host.name");
    expect(loneSurrogateAt({ a: { "\ud800": 1 } })).toBe("a.\ud800");
  });

  it("accepts a time with a numeric offset", () => {
    expect(parseEvent({ ...validEvent("exec"), time: "2026-11-28T23:09:18.123456789+01:00" }).ok).toBe(true);
  });

  it("names the allowed types when type is unknown", () => {
    expect(errorOf({ ...validEvent("exec"), type: "open" })).toBe(
      "type: expected one of exec, unlink_running, ptrace, mem_write, fork, exit",
    );
  });

  it("names a missing nested field", () => {
    const event = validEvent("fork");
    delete (event.process as Record<string, unknown>).pid;
    expect(errorOf(event)).toMatch(/^process\.pid: /);
  });

  it("names the array element that is not a string", () => {
    const event = validEvent("exec");
    (event.process as { argv: unknown[] }).argv = ["sh", 7];
    expect(errorOf(event)).toMatch(/^process\.argv\[1\]: .*string/);
  });

  it("rejects a u64 that is a number or out of range", () => {
    const event = validEvent("exec");
    (event.file as { inode: unknown }).inode = 131077;
    expect(errorOf(event)).toMatch(/^file\.inode: /);
    (event.file as { inode: unknown }).inode = "18446744073709551616";
    expect(errorOf(event)).toBe("file.inode: exceeds the unsigned 64-bit range");
  });

  it("rejects an unknown mem_write method and a bad errno", () => {
    const error = errorOf({ ...validEvent("mem_write"), method: "dma", error: "denied" });
    expect(error).toMatch(/method: /);
    expect(error).toMatch(/error: expected an errno name/);
  });

  it("reports a non-object input", () => {
    expect(errorOf("exec")).toMatch(/^\(event\): /);
  });
});
