import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataDir, freePort, type Running, startServer } from "./processes";

// Every HTTP entry point against every kind of credential, on the real server. (Each tRPC procedure against each
// role is in packages/api/src/root.test.ts.)
const callers = ["none", "garbage", "session", "apiToken", "agent", "enrollToken"] as const;
type Caller = (typeof callers)[number];

/** What each route answers each caller: who may use it, and that everyone else is refused before any work. */
const table: {
  route: string;
  method: "GET" | "POST";
  body?: "batch" | "json";
  answers: Record<Caller, number>;
}[] = [
  // Agent routes take the agent credential only (the body here is not a batch: 400 proves it was let in).
  {
    route: "/api/agent/v1/events",
    method: "POST",
    body: "batch",
    answers: { none: 401, garbage: 401, session: 401, apiToken: 401, agent: 400, enrollToken: 401 },
  },
  {
    route: "/api/agent/v1/heartbeat",
    method: "POST",
    body: "json",
    answers: { none: 401, garbage: 401, session: 401, apiToken: 401, agent: 400, enrollToken: 401 },
  },
  {
    route: "/api/agent/v1/policies?have=none&waitS=0",
    method: "GET",
    answers: { none: 401, garbage: 401, session: 401, apiToken: 401, agent: 200, enrollToken: 401 },
  },
  // Reading events, metrics and the console's API: a user's session or an API token, never a host's credential.
  {
    route: "/api/v1/events?limit=1",
    method: "GET",
    answers: { none: 401, garbage: 401, session: 200, apiToken: 200, agent: 401, enrollToken: 401 },
  },
  {
    route: "/metrics",
    method: "GET",
    answers: { none: 401, garbage: 401, session: 200, apiToken: 200, agent: 401, enrollToken: 401 },
  },
  {
    route: "/api/trpc/events.list?input=%7B%7D",
    method: "GET",
    answers: { none: 401, garbage: 401, session: 200, apiToken: 200, agent: 401, enrollToken: 401 },
  },
  // Pages: a session, or the sign-in page (a redirect).
  {
    route: "/events",
    method: "GET",
    answers: { none: 307, garbage: 307, session: 200, apiToken: 307, agent: 307, enrollToken: 307 },
  },
  // What ingest nodes ask the control node, on the cluster's secret: a server without one has no such routes.
  {
    route: "/api/cluster/v1/agent",
    method: "POST",
    body: "json",
    answers: { none: 404, garbage: 404, session: 404, apiToken: 404, agent: 404, enrollToken: 404 },
  },
  {
    route: "/api/cluster/v1/alerts",
    method: "POST",
    body: "json",
    answers: { none: 404, garbage: 404, session: 404, apiToken: 404, agent: 404, enrollToken: 404 },
  },
  // Public by design: the policy format's JSON Schema, for editors.
  {
    route: "/api/v1/schemas/policy",
    method: "GET",
    answers: { none: 200, garbage: 200, session: 200, apiToken: 200, agent: 200, enrollToken: 200 },
  },
];

describe("who may call each route", () => {
  const data = dataDir();
  const password = "a password for the tests";
  let server: Running;
  let base: string;
  const secrets: Record<string, string> = {
    password,
    apiToken: data.apiToken,
    enrollToken: data.enrollToken,
  };
  const headers: Record<Caller, Record<string, string>> = {
    none: {},
    garbage: { authorization: "Bearer vgt_not-a-real-token" },
    session: {},
    apiToken: { authorization: `Bearer ${data.apiToken}` },
    agent: {},
    enrollToken: { authorization: `Bearer ${data.enrollToken}` },
  };

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = await startServer(data.dir, port);
    const enrolled = await fetch(`${base}/api/agent/v1/enroll`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: data.enrollToken, host: { machineId: "m-routes", name: "routes" } }),
    });
    secrets.agent = ((await enrolled.json()) as { credential: string }).credential;
    headers.agent = { authorization: `Bearer ${secrets.agent}` };
    const signedIn = await fetch(`${base}/api/trpc/auth.signIn`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "admin", password }),
    });
    const cookie = (signedIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect(cookie).toMatch(/=.{20,}/);
    secrets.session = cookie.slice(cookie.indexOf("=") + 1);
    headers.session = { cookie };
  });
  afterAll(async () => {
    await server?.stop();
    data.cleanup();
  });

  it.each(table)("$method $route", async ({ route, method, body, answers }) => {
    const got: Record<string, number> = {};
    for (const caller of callers) {
      const response = await fetch(`${base}${route}`, {
        method,
        redirect: "manual",
        headers: {
          ...headers[caller],
          ...(body && { "content-type": "application/json" }),
          ...(body === "batch" && { "content-encoding": "gzip" }),
        },
        body: body === "batch" ? gzipSync("{}") : body === "json" ? "{}" : undefined,
      });
      await response.arrayBuffer();
      got[caller] = response.status;
    }
    expect(got).toEqual(answers);
  });

  it("never writes a password, token, credential or session into its logs, even one it refuses", async () => {
    const wrong = "a wrong password that must not be logged";
    await fetch(`${base}/api/trpc/auth.signIn`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "admin", password: wrong }),
    });
    const stolen = `vgt_${"x".repeat(40)}`;
    await fetch(`${base}/api/v1/events`, { headers: { authorization: `Bearer ${stolen}` } });
    await new Promise((r) => setTimeout(r, 500)); // the logs of those requests
    expect(server.output.length).toBeGreaterThan(0);
    for (const [name, secret] of Object.entries({ ...secrets, wrong, stolen })) {
      expect(server.output.includes(secret), `${name} appears in the server's log`).toBe(false);
    }
  });
});
