import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./log";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

describe("createLogger", () => {
  it("writes one JSON object per line with level, time, name, msg and the fields", () => {
    const { lines, stream } = capture();
    const log = createLogger("vigil-test", stream);
    log.warn({ dropped: 12 }, "spool full");
    log.error({ err: new Error("boom") }, "retention failed");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: "warn", name: "vigil-test", msg: "spool full", dropped: 12 });
    expect(new Date(lines[0]?.time as string).toISOString()).toBe(lines[0]?.time);
    expect(lines[1]).toMatchObject({ level: "error", err: { message: "boom", type: "Error" } });
  });

  it("never writes secrets: tokens, credentials, passwords, Authorization and Cookie headers", () => {
    const { lines, stream } = capture();
    const log = createLogger("vigil-test", stream);
    log.info(
      {
        token: "vgt_abc.secret1",
        enrollToken: "vge_abc.secret2",
        body: { credential: "vga_abc.secret3", password: "secret4" },
        request: { headers: { authorization: "Bearer secret5", cookie: "vigil_session=secret6" } },
      },
      "request",
    );
    const written = JSON.stringify(lines);
    for (let i = 1; i <= 6; i++) expect(written).not.toContain(`secret${i}`);
    expect(lines[0]).toMatchObject({ token: "[redacted]", body: { credential: "[redacted]" } });
  });
});
