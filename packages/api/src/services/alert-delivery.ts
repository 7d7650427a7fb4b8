import { createHmac } from "node:crypto";
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import { hostname } from "node:os";
import { type Severity, type Store, settings, severities } from "@vigil/db";
import { eq } from "drizzle-orm";
import { type AlertView, listAlerts } from "./alerts";
import { type Integrations, integrationsSetting } from "./integrations";

type Target = "webhook" | "syslog";
type Cursors = Record<Target, number>;

/** RFC 5424 severities: critical -> crit (2), high -> err (3), medium -> warning (4), low -> notice (5). */
const syslogSeverity: Record<Severity, number> = { critical: 2, high: 3, medium: 4, low: 5 };

// Control characters would split a message in line-based collectors, or fake one.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const control = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const oneLine = (text: string) =>
  text.replace(control, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
/** An RFC 5424 SD-PARAM value: `"`, `\` and `]` escaped. */
const paramValue = (text: string) => oneLine(text).replace(/["\\\]]/g, (c) => `\\${c}`);

/** The alert as receivers get it (webhook body; syslog structured data and message). */
export function alertPayload(alert: AlertView, consoleUrl: string) {
  return {
    id: alert.id,
    rule: alert.rule,
    severity: alert.severity,
    title: alert.title,
    status: alert.status,
    count: alert.count,
    hosts: alert.hosts,
    first: alert.first,
    last: alert.last,
    url: `${consoleUrl.replace(/\/$/, "")}/alerts/${alert.id}`,
  };
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the receiver recomputes it and refuses old timestamps. */
export function webhookSignature(secret: string, body: string, nowMs: number): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${createHmac("sha256", secret).update(`${t}.${body}`).digest("hex")}`;
}

/** One RFC 5424 message (MSG-ANY, no BOM). */
export function syslogMessage(alert: AlertView, facility: number, nowMs: number, url: string): string {
  const pri = facility * 8 + (syslogSeverity[alert.severity as Severity] ?? 5);
  const data =
    `[vigil@32473 id="${alert.id}" rule="${paramValue(alert.rule)}" severity="${alert.severity}" ` +
    `count="${alert.count}" hosts="${paramValue(alert.hosts.join(","))}" url="${paramValue(url)}"]`;
  const host =
    hostname()
      .replace(/[^\x21-\x7e]/g, "")
      .slice(0, 255) || "-";
  return `<${pri}>1 ${new Date(nowMs).toISOString()} ${host} vigil ${process.pid} alert ${data} ${oneLine(alert.title)}`;
}

async function sendWebhook(target: NonNullable<Integrations["webhook"]>, body: string, nowMs: number) {
  const response = await fetch(target.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "user-agent": "vigil-alerts",
      "x-vigil-signature": webhookSignature(target.secret, body, nowMs),
    },
    body,
    redirect: "error",
    signal: AbortSignal.timeout(10_000),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`the webhook answered ${response.status}`);
}

function sendSyslog(target: NonNullable<Integrations["syslog"]>, message: string): Promise<void> {
  const bytes = Buffer.from(message, "utf8");
  return new Promise((resolve, reject) => {
    if (target.transport === "udp") {
      const socket = createSocket(target.host.includes(":") ? "udp6" : "udp4");
      socket.send(bytes, target.port, target.host, (error) => {
        socket.close();
        if (error) reject(error);
        else resolve();
      });
      return;
    }
    const socket = connect({ host: target.host, port: target.port, timeout: 10_000 });
    socket.once("error", reject);
    socket.once("timeout", () => socket.destroy(new Error("the syslog server did not answer in 10 s")));
    socket.once("connect", () =>
      socket.end(Buffer.concat([Buffer.from(`${bytes.length} `), bytes]), resolve),
    );
  });
}

/**
 * Sends new alerts to the configured webhook and syslog server, oldest first. Each target has its own position
 * (kept in settings): one that fails keeps its place and is tried again at the next run, nothing is skipped, and
 * a working target does not wait for a failing one.
 */
export class AlertDelivery {
  private running = false;
  lastError: { target: Target; message: string } | null = null;

  constructor(private readonly store: Store) {}

  private cursors(): Cursors {
    const row = this.store.db.select().from(settings).where(eq(settings.key, "alert-delivery")).get();
    const value = row?.value as Partial<Cursors> | undefined;
    // Alerts raised before a target was configured are not sent to it: it starts at the newest alert.
    return { webhook: value?.webhook ?? -1, syslog: value?.syslog ?? -1 };
  }

  private save(cursors: Cursors, nowMs: number): void {
    const row = { key: "alert-delivery", value: cursors, updatedMs: nowMs, updatedBy: "vigil" };
    this.store.db.insert(settings).values(row).onConflictDoUpdate({ target: settings.key, set: row }).run();
  }

  /** Delivers what is pending; returns how many alerts each target received. */
  async run(nowMs = Date.now()): Promise<Record<Target, number>> {
    const sent = { webhook: 0, syslog: 0 };
    if (this.running) return sent;
    this.running = true;
    try {
      const config = integrationsSetting(this.store);
      const newest = this.store.sqlite
        .prepare("SELECT coalesce(max(id), 0) FROM alerts")
        .pluck()
        .get() as number;
      const before = this.cursors();
      const cursors = { ...before };
      for (const target of ["webhook", "syslog"] as const) {
        if (!config[target]) {
          cursors[target] = -1; // not configured: when it is, it starts from then
          continue;
        }
        if (cursors[target] < 0) cursors[target] = newest;
        sent[target] = await this.deliver(target, config, cursors, nowMs);
      }
      if (cursors.webhook !== before.webhook || cursors.syslog !== before.syslog) this.save(cursors, nowMs);
      return sent;
    } finally {
      this.running = false;
    }
  }

  private async deliver(
    target: Target,
    config: Integrations,
    cursors: Cursors,
    nowMs: number,
  ): Promise<number> {
    const minimum = severities.indexOf(config.minSeverity);
    const pending = this.store.sqlite
      .prepare("SELECT id FROM alerts WHERE id > ? ORDER BY id LIMIT 100")
      .pluck()
      .all(cursors[target]) as number[];
    let count = 0;
    for (const id of pending) {
      const alert = listAlerts(this.store, { statuses: [], limit: 1, id }).alerts[0];
      if (alert && severities.indexOf(alert.severity as Severity) >= minimum) {
        try {
          await this.send(target, config, alert, nowMs);
        } catch (error) {
          this.lastError = { target, message: (error as Error).message };
          return count;
        }
        count++;
      }
      cursors[target] = id;
    }
    return count;
  }

  /** Sends one alert to one target (also the console's "Send a test alert"). */
  async send(target: Target, config: Integrations, alert: AlertView, nowMs = Date.now()): Promise<void> {
    const payload = alertPayload(alert, config.consoleUrl);
    if (target === "webhook" && config.webhook) {
      await sendWebhook(config.webhook, JSON.stringify({ alert: payload }), nowMs);
    } else if (target === "syslog" && config.syslog) {
      await sendSyslog(config.syslog, syslogMessage(alert, config.syslog.facility, nowMs, payload.url));
    }
  }
}
