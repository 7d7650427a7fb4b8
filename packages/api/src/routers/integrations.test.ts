import { createServer } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { createCaller } from "../root";
import { testContext, userActor } from "../test-context";

let cleanup = () => {};
afterEach(() => cleanup());

describe("integrations", () => {
  it("keeps the secret out of answers and the audit log, and sends a test alert to each target", async () => {
    const t = testContext(userActor("admin", "ops"));
    const received: string[] = [];
    const server = createServer((req, res) => {
      req.on("data", (c) => received.push(String(c)));
      req.on("end", () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanup = () => {
      server.close();
      t.cleanup();
    };
    const admin = createCaller(t.context);
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    const secret = "the signing secret of this webhook";
    const saved = await admin.integrations.update({
      minSeverity: "high",
      webhook: { url, secret },
      syslog: { host: "127.0.0.1", port: 9, transport: "tcp", facility: 16 },
    });
    expect(saved.webhook).toEqual({ url, secretSet: true });
    const results = await admin.integrations.test();
    expect(results).toEqual([
      { target: "webhook", ok: true, error: null },
      { target: "syslog", ok: false, error: expect.stringMatching(/ECONNREFUSED/) },
    ]);
    expect(JSON.parse(received.join("")).alert.title).toMatch(/test alert/);
    const audit = t.store.sqlite.prepare("SELECT detail FROM audit_log").pluck().all() as string[];
    expect(audit).toHaveLength(1);
    expect(audit.join()).not.toContain(secret);
    expect(JSON.stringify(await admin.integrations.get())).not.toContain(secret);
  });
});
