import { type Store, settings, severities } from "@vigil/db";
import { describeIssues } from "@vigil/events";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { badRequest } from "../errors";

const httpUrl = z
  .url({ protocol: /^https?$/, error: "a webhook URL is http:// or https://" })
  .max(2000, "at most 2000 characters");

/** Where alerts go besides the console: a webhook (signed with HMAC-SHA256) and a syslog server (RFC 5424). */
export const integrationsSchema = z.strictObject({
  /** the console's address as receivers reach it: alerts link to it */
  consoleUrl: httpUrl.default("http://localhost:3000"),
  /** alerts below this severity are not sent */
  minSeverity: z.enum(severities).default("low"),
  webhook: z
    .strictObject({
      url: httpUrl,
      /** the receiver checks X-Vigil-Signature with it; write-only (never read back) */
      secret: z.string().min(16, "a signing secret of at least 16 characters").max(256),
    })
    .nullable()
    .default(null),
  syslog: z
    .strictObject({
      host: z
        .string()
        .min(1)
        .max(253)
        .regex(/^[A-Za-z0-9.:_-]+$/, "a host name or IP address"),
      port: z.int().min(1).max(65_535).default(514),
      /** udp: RFC 5426, one message per datagram; tcp: RFC 6587 octet counting */
      transport: z.enum(["udp", "tcp"]).default("udp"),
      /** RFC 5424 facility number: 16-23 are local0-local7 */
      facility: z.int().min(0).max(23).default(16),
    })
    .nullable()
    .default(null),
});
export type Integrations = z.infer<typeof integrationsSchema>;

const none: Integrations = {
  consoleUrl: "http://localhost:3000",
  minSeverity: "low",
  webhook: null,
  syslog: null,
};

export function integrationsSetting(store: Store): Integrations {
  const row = store.db.select().from(settings).where(eq(settings.key, "integrations")).get();
  const parsed = integrationsSchema.safeParse(row?.value);
  return parsed.success ? parsed.data : none;
}

/** What admins may read back: everything but the webhook's secret. */
export function integrationsView(store: Store) {
  const current = integrationsSetting(store);
  return {
    consoleUrl: current.consoleUrl,
    minSeverity: current.minSeverity,
    webhook: current.webhook && { url: current.webhook.url, secretSet: true },
    syslog: current.syslog,
  };
}

/**
 * Stores the integrations. A webhook given without a secret keeps the secret it had (for the same URL), so an
 * admin can change other settings without retyping it. Returns what is now in force.
 */
export function setIntegrations(
  store: Store,
  input: Omit<Integrations, "webhook" | "consoleUrl"> & {
    consoleUrl?: string;
    webhook: { url: string; secret?: string } | null;
  },
  by: string,
  nowMs = Date.now(),
): Integrations {
  const before = integrationsSetting(store);
  const secret =
    input.webhook?.secret ??
    (before.webhook?.url === input.webhook?.url ? before.webhook?.secret : undefined);
  const parsed = integrationsSchema.safeParse({
    ...input,
    webhook: input.webhook ? { url: input.webhook.url, secret } : null,
  });
  if (!parsed.success) {
    const missing = input.webhook && secret === undefined;
    throw badRequest(
      missing
        ? "webhook.secret: a new webhook URL needs its signing secret"
        : describeIssues(parsed.error, "(integrations)"),
    );
  }
  const value = parsed.data;
  const row = { key: "integrations", value, updatedMs: nowMs, updatedBy: by };
  store.db.insert(settings).values(row).onConflictDoUpdate({ target: settings.key, set: row }).run();
  return value;
}
