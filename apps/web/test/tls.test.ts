import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { get, request } from "node:https";
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
    get(url, ca ? { ca: readFileSync(ca) } : {}, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).on("error", (error) => resolve(error.message));
  });
}

/** POSTs a tRPC mutation over HTTPS as the console's page does: its own Origin, and the session cookie if any. */
function mutate(base: string, ca: string, path: string, body: unknown, cookie?: string) {
  return new Promise<{ status: number; setCookie: string[] }>((resolve, reject) => {
    const sent = request(
      `${base}/api/trpc/${path}`,
      {
        method: "POST",
        ca: readFileSync(ca),
        headers: { origin: base, "content-type": "application/json", ...(cookie ? { cookie } : {}) },
      },
      (response) => {
        response.resume();
        resolve({ status: response.statusCode ?? 0, setCookie: response.headers["set-cookie"] ?? [] });
      },
    );
    sent.on("error", reject);
    sent.end(JSON.stringify(body));
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

  it("over HTTPS, signs in with a Secure, HttpOnly, SameSite cookie, new at every sign-in (no fixation)", async () => {
    const credentials = { name: "admin", password: "a password for the tests" };
    const first = await mutate(base, cert, "auth.signIn", credentials);
    expect(first.status).toBe(200);
    const [cookie] = first.setCookie;
    expect(cookie).toMatch(/^\w+=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Secure; Expires=/);
    const session = (cookie as string).split(";")[0] as string;
    // Signing in again while presenting a session (one an attacker planted, say) gives another one.
    const second = await mutate(base, cert, "auth.signIn", credentials, session);
    expect(second.status).toBe(200);
    expect((second.setCookie[0] as string).split(";")[0]).not.toBe(session);
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
