import { createHmac } from "node:crypto";
import { createSocket } from "node:dgram";
import { createServer as createHttpServer } from "node:http";
import { createServer as createTcpServer } from "node:net";
import { hosts } from "@vigil/db";
import { testStore } from "@vigil/db/test-store";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { AlertDelivery } from "./alert-delivery";
import { AlertRecorder } from "./alerts";
import { integrationsView, setIntegrations } from "./integrations";

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const SECRET = "a webhook signing secret";

/** A webhook receiver answering `status()`; what it received, with the signature header. */
async function webhookReceiver(status: () => number) {
  const received: { body: string; signature: string }[] = [];
  const server = createHttpServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      received.push({ body, signature: String(req.headers["x-vigil-signature"]) });
      res.writeHead(status()).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, received };
}

async function udpReceiver() {
  const messages: string[] = [];
  const socket = createSocket("udp4");
  socket.on("message", (m) => messages.push(m.toString("utf8")));
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  cleanups.push(() => {
    socket.close();
  });
  return { port: socket.address().port, messages };
}

function setup() {
  const t = testStore();
  cleanups.push(t.cleanup);
  const recorder = new AlertRecorder(t.store.sqlite);
  const raise = (rule: string, severity: "low" | "medium" | "high" | "critical", title: string) =>
    recorder.raise({ rule, severity, title }, t.hostId, null, 1_796_000_000_000_000_000n, 0);
  return { ...t, raise, delivery: new AlertDelivery(t.store) };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
};

describe("alert delivery", () => {
  it("signs webhooks, formats RFC 5424 syslog, sends only new alerts at or above the minimum severity", async () => {
    const { store, raise, delivery, hostId } = setup();
    const hook = await webhookReceiver(() => 204);
    const syslog = await udpReceiver();
    raise("before", "critical", "raised before the integrations existed");
    setIntegrations(
      store,
      {
        consoleUrl: "https://vigil.example",
        minSeverity: "medium",
        webhook: { url: hook.url, secret: SECRET },
        syslog: { host: "127.0.0.1", port: syslog.port, transport: "udp", facility: 16 },
      },
      "user:ops",
    );
    expect(await delivery.run()).toEqual({ webhook: 0, syslog: 0 }); // they start from now

    store.db.update(hosts).set({ name: 'web-1"] <x>\nforged' }).where(eq(hosts.id, hostId)).run();
    raise("unlink-running", "high", "A running executable was deleted");
    raise("quiet", "low", "below the minimum");
    expect(await delivery.run(1_800_000_000_000)).toEqual({ webhook: 1, syslog: 1 });
    await until(() => syslog.messages.length === 1);

    const [{ body, signature }] = hook.received as [{ body: string; signature: string }];
    const t = 1_800_000_000;
    expect(signature).toBe(`t=${t},v1=${createHmac("sha256", SECRET).update(`${t}.${body}`).digest("hex")}`);
    expect(JSON.parse(body).alert).toMatchObject({
      rule: "unlink-running",
      severity: "high",
      hosts: ['web-1"] <x>\nforged'],
      url: expect.stringMatching(/^https:\/\/vigil\.example\/alerts\/\d+$/),
    });
    const message = syslog.messages[0] as string;
    expect(message).toMatch(
      /^<131>1 2027-01-15T08:00:00\.000Z \S+ vigil \d+ alert \[vigil@32473 id="\d+" rule="unlink-running" severity="high" count="1" hosts="web-1\\"\\] <x>\\\\u000aforged" url="https:\/\/vigil\.example\/alerts\/\d+"\] A running executable was deleted$/,
    );
    expect(await delivery.run()).toEqual({ webhook: 0, syslog: 0 }); // nothing twice
  });

  it("keeps a failing target's place and sends what it missed once it works, without holding back the others", async () => {
    const { store, raise, delivery } = setup();
    let status = 500;
    const hook = await webhookReceiver(() => status);
    const syslog = await udpReceiver();
    setIntegrations(
      store,
      {
        minSeverity: "low",
        webhook: { url: hook.url, secret: SECRET },
        syslog: { host: "127.0.0.1", port: syslog.port, transport: "udp", facility: 23 },
      },
      "user:ops",
    );
    await delivery.run();
    raise("a", "medium", "first");
    raise("b", "critical", "second");
    expect(await delivery.run()).toEqual({ webhook: 0, syslog: 2 });
    expect(delivery.lastError).toEqual({ target: "webhook", message: "the webhook answered 500" });
    status = 200;
    expect(await delivery.run()).toEqual({ webhook: 2, syslog: 0 });
    expect(hook.received.map((r) => JSON.parse(r.body).alert.title)).toEqual(["first", "first", "second"]);
    await until(() => syslog.messages.length === 2);
    expect(syslog.messages.map((m) => m.slice(0, 5))).toEqual(["<188>", "<186>"]); // local7: warning, crit
  });

  it("frames syslog over TCP by octet counting", async () => {
    const { store, raise, delivery } = setup();
    let received = Buffer.alloc(0);
    const server = createTcpServer((socket) =>
      socket.on("data", (chunk) => {
        received = Buffer.concat([received, chunk]);
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as { port: number }).port;
    setIntegrations(
      store,
      {
        minSeverity: "low",
        webhook: null,
        syslog: { host: "127.0.0.1", port, transport: "tcp", facility: 16 },
      },
      "user:ops",
    );
    await delivery.run();
    raise("r", "high", "über alert");
    expect(await delivery.run()).toEqual({ webhook: 0, syslog: 1 });
    await until(() => received.length > 0 && received.includes(Buffer.from("über alert")));
    const text = received.toString("utf8");
    const space = text.indexOf(" ");
    expect(Number(text.slice(0, space))).toBe(Buffer.byteLength(text.slice(space + 1)));
    expect(text.slice(space + 1)).toMatch(/^<131>1 .* über alert$/);
  });

  it("keeps the webhook's secret write-only, and refuses a new URL without one", () => {
    const { store } = setup();
    const config = { minSeverity: "low" as const, syslog: null };
    setIntegrations(
      store,
      { ...config, webhook: { url: "https://hooks.example/a", secret: SECRET } },
      "user:ops",
    );
    expect(integrationsView(store).webhook).toEqual({ url: "https://hooks.example/a", secretSet: true });
    expect(JSON.stringify(integrationsView(store))).not.toContain(SECRET);
    setIntegrations(
      store,
      { ...config, minSeverity: "high", webhook: { url: "https://hooks.example/a" } },
      "user:ops",
    );
    expect(() =>
      setIntegrations(store, { ...config, webhook: { url: "https://hooks.example/b" } }, "user:ops"),
    ).toThrow(/a new webhook URL needs its signing secret/);
    expect(() =>
      setIntegrations(
        store,
        { ...config, webhook: { url: "file:///etc/passwd", secret: SECRET } },
        "user:ops",
      ),
    ).toThrow(/http:\/\/ or https:\/\//);
    expect(() =>
      setIntegrations(
        store,
        { ...config, webhook: { url: "https://hooks.example/a", secret: "short" } },
        "user:ops",
      ),
    ).toThrow(/at least 16 characters/);
  });
});
