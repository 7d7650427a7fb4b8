import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { ServerClient } from "./server-client";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A server answering `status` with its name; counts what it was asked. */
async function server(name: string, status = 200) {
  const asked = { count: 0 };
  const http = createServer((request, response) => {
    asked.count++;
    request.resume().on("end", () => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify({ name }));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  servers.push(http);
  return { url: `http://127.0.0.1:${(http.address() as { port: number }).port}`, asked };
}

/** A URL nothing listens on. */
async function gone(): Promise<string> {
  const { url } = await server("gone");
  await new Promise((resolve) => servers.pop()?.close(resolve));
  return url;
}

describe("an agent with several servers", () => {
  it("moves to the next server when one cannot be reached, and stays there", async () => {
    const down = await gone();
    const up = await server("up");
    const client = new ServerClient([down, up.url]);
    expect((await client.post("/api/agent/v1/events", "{}")).body).toEqual({ name: "up" });
    expect(client.server).toBe(up.url);
    expect((await client.get("/api/agent/v1/policies")).body).toEqual({ name: "up" });
    expect(up.asked.count).toBe(2);
  });

  it("moves on when a proxy says the server behind it is gone, not when a server says retry later", async () => {
    const proxy = await server("proxy", 502);
    const busy = await server("busy", 503);
    const client = new ServerClient([proxy.url, busy.url]);
    const answer = await client.post("/api/agent/v1/events", "{}");
    expect(answer).toMatchObject({ status: 503, body: { name: "busy" } });
    expect((await client.post("/api/agent/v1/events", "{}")).status).toBe(503); // stays: the server is up
    expect(busy.asked.count).toBe(2);
    expect(proxy.asked.count).toBe(1);
  });

  it("fails a request only once every server was tried", async () => {
    const client = new ServerClient([await gone(), await gone()]);
    await expect(client.post("/api/agent/v1/events", "{}")).rejects.toThrow(/fetch failed/);
    const one = await server("one", 502);
    const alone = new ServerClient(one.url);
    expect((await alone.post("/api/agent/v1/events", "{}")).status).toBe(502);
    expect(one.asked.count).toBe(1);
  });
});
