import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { get } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentBin, dataDir, freePort, type Running, readDb, startAgent, startServer } from "./processes";

/** A self-signed certificate for 127.0.0.1, made with openssl. */
function certificate(dir: string) {
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ...["-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=vigil-test"],
      ...["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
    ],
    { stdio: "ignore" },
  );
  return { cert, key };
}

/** The status of GET `url`, or why the connection failed. */
function status(url: string, ca?: string): Promise<number | string> {
  return new Promise((resolve) => {
    get(url, ca ? { ca: execFileSync("cat", [ca]) } : {}, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).on("error", (error) => resolve(error.message));
  });
}

describe("the agent channel over TLS", () => {
  const data = dataDir();
  const certs = mkdtempSync(join(tmpdir(), "vigil-tls-"));
  const { cert, key } = certificate(certs);
  let server: Running;
  let base: string;
  const agents: Running[] = [];

  beforeAll(async () => {
    const port = await freePort();
    base = `https://127.0.0.1:${port}`;
    process.env.VIGIL_TLS_CERT = cert;
    process.env.VIGIL_TLS_KEY = key;
    try {
      server = await startServer(data.dir, port);
    } finally {
      delete process.env.VIGIL_TLS_CERT;
      delete process.env.VIGIL_TLS_KEY;
    }
  });
  afterAll(async () => {
    for (const agent of agents) await agent.stop();
    await server?.stop();
    data.cleanup();
    rmSync(certs, { recursive: true, force: true });
  });

  it("serves the console and the agent API over HTTPS with the given certificate", async () => {
    expect(server.output).toContain(`Vigil on ${base}`);
    expect(await status(`${base}/sign-in`, cert)).toBe(200);
    expect(await status(`${base}/api/agent/v1/policies`, cert)).toBe(401);
    expect(await status(`${base}/sign-in`)).toMatch(/self-signed certificate/);
  });

  it("a real agent that trusts the server's authority enrolls and ships; one that does not, does not", async () => {
    const trusting = await startAgent(base, mkdtempSync(join(tmpdir(), "vigil-agent-")), data.enrollToken, [
      "--ca-file",
      cert,
    ]);
    agents.push(trusting);
    await trusting.waitFor(/enrolled with https:\/\/127\.0\.0\.1/);
    spawnSync("/bin/true");
    await expect
      .poll(() => readDb(data.dir, (db) => db.prepare("SELECT count(*) FROM events").pluck().get()), {
        timeout: 30_000,
      })
      .toBeGreaterThan(0);

    const wary = await startAgent(base, mkdtempSync(join(tmpdir(), "vigil-agent-")), data.enrollToken);
    agents.push(wary);
    await wary.waitFor(
      /enrollment: cannot reach https:\/\/\S+ \(fetch failed: self-signed certificate\); retrying/,
    );
    expect(wary.output).not.toMatch(/enrolled with/);
  });

  it("refuses a plaintext server on another host unless told to allow it", () => {
    const refused = spawnSync(agentBin, ["run", "--server", "http://10.20.30.40:3000", "--data-dir", certs], {
      encoding: "utf8",
    });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain("--server http://10.20.30.40:3000 is plaintext HTTP to another host");
    expect(refused.stderr).toContain("--allow-plaintext");
  });
});
