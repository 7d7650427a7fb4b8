import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  dataDir,
  exportedEvents,
  freePort,
  type Running,
  readDb,
  repoRoot,
  startAgent,
  startServer,
} from "./processes";

const cli = join(repoRoot, "apps", "cli", "bin", "vigil");

// A policy published in the server reaches the real agent on this kernel, which judges the real events by it.
describe("policies from the server to the agent", () => {
  const data = dataDir();
  const binaries = mkdtempSync(join(tmpdir(), "vigil-policy-"));
  let server: Running;
  let agent: Running;
  let base: string;
  let admin: string;

  beforeAll(async () => {
    base = `http://127.0.0.1:${await freePort()}`;
    server = await startServer(data.dir, Number(new URL(base).port));
    agent = await startAgent(base, mkdtempSync(join(tmpdir(), "vigil-agent-")), data.enrollToken);
    admin = execFileSync(cli, ["--data-dir", data.dir, "token", "create", "--role", "admin"], {
      encoding: "utf8",
    }).trim();
  });

  afterAll(async () => {
    await agent?.stop();
    await server?.stop();
    data.cleanup();
  });

  it("applies a published policy: the events a rule decides carry it; an enforce-mode deny is 'audit' where the sensor cannot deny (tracepoint mode), and the host says it is not enforcing", async () => {
    await agent.waitFor(/policies applied: none/);
    const yaml = `apiVersion: vigil/v1
kind: Policy
name: e2e
mode: enforce
rules:
  - { id: watch, on: exec, action: alert, severity: low, when: { file.path: "${binaries}/watched-*" } }
  - { id: block, on: exec, action: deny, severity: high, when: { file.path: "${binaries}/blocked-*" } }
`;
    const published = await fetch(`${base}/api/trpc/policies.publish`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${admin}` },
      body: JSON.stringify({ yaml, message: "first", basedOn: null }),
    });
    expect(published.status).toBe(200);
    await agent.waitFor(/policies applied: e2e@1/, 10_000);

    const run = (name: string) => {
      const path = join(binaries, `${name}-${process.pid}`);
      copyFileSync("/bin/true", path);
      execFileSync("chmod", ["+x", path]);
      execFileSync(path);
      return path;
    };
    const paths = { watched: run("watched"), blocked: run("blocked"), other: run("other") };
    const judged = async (path: string) => {
      for (let attempt = 0; attempt < 60; attempt++) {
        const found = await exportedEvents(
          base,
          data.apiToken,
          `type=exec&q=${encodeURIComponent(path.slice(1))}`,
        );
        const event = found.find((e) => (e.file as { path: string }).path === path);
        if (event) return { verdict: event.verdict, policy: event.policy };
        await new Promise((r) => setTimeout(r, 500));
      }
      throw new Error(`no exec of ${path} arrived`);
    };
    expect(await judged(paths.watched)).toEqual({
      verdict: "allowed",
      policy: { id: "e2e", version: 1, rule: "watch" },
    });
    expect(await judged(paths.blocked)).toEqual({
      verdict: "audit",
      policy: { id: "e2e", version: 1, rule: "block" },
    });
    expect(await judged(paths.other)).toEqual({ verdict: "allowed", policy: null });

    // Each deciding rule raised its alert on the server, with the rule's severity.
    const alerts = readDb(data.dir, (db) =>
      db.prepare("SELECT rule, severity FROM alerts WHERE rule LIKE 'policy:%' ORDER BY rule").all(),
    );
    expect(alerts).toEqual([
      { rule: "policy:e2e/block", severity: "high" },
      { rule: "policy:e2e/watch", severity: "low" },
    ]);

    // The host says what it applies, and that it does not enforce.
    const status = async () =>
      readDb(data.dir, (db) =>
        db.prepare("SELECT policy_status FROM hosts WHERE policy_status IS NOT NULL").pluck().get(),
      );
    for (let attempt = 0; attempt < 50 && !String(await status()).includes("e2e"); attempt++)
      await new Promise((r) => setTimeout(r, 200));
    expect(JSON.parse(String(await status()))).toMatchObject({
      applied: [{ name: "e2e", version: 1 }],
      error: null,
      enforcing: false,
    });
  });
});
