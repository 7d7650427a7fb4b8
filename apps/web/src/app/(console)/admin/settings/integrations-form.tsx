"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTRPC } from "@/trpc/react";

const severities = ["low", "medium", "high", "critical"] as const;
type Severity = (typeof severities)[number];
type Draft = {
  consoleUrl: string;
  minSeverity: Severity;
  webhookUrl: string;
  webhookSecret: string;
  syslogHost: string;
  syslogPort: string;
  syslogTransport: "udp" | "tcp";
};

/** Where new alerts go besides the console: a signed webhook and a syslog server. */
export function IntegrationsForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const current = useQuery(trpc.integrations.get.queryOptions());
  const update = useMutation(
    trpc.integrations.update.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.integrations.get.queryKey() }),
    }),
  );
  const test = useMutation(trpc.integrations.test.mutationOptions());
  const [draft, setDraft] = useState<Draft | null>(null);
  if (!current.data) return null;
  const c = current.data;
  const shown: Draft = draft ?? {
    consoleUrl: c.consoleUrl,
    minSeverity: c.minSeverity,
    webhookUrl: c.webhook?.url ?? "",
    webhookSecret: "",
    syslogHost: c.syslog?.host ?? "",
    syslogPort: String(c.syslog?.port ?? 514),
    syslogTransport: c.syslog?.transport ?? "udp",
  };
  const edit = (change: Partial<Draft>) => setDraft({ ...shown, ...change });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate(
      {
        consoleUrl: shown.consoleUrl,
        minSeverity: shown.minSeverity,
        webhook: shown.webhookUrl
          ? { url: shown.webhookUrl, ...(shown.webhookSecret ? { secret: shown.webhookSecret } : {}) }
          : null,
        syslog: shown.syslogHost
          ? {
              host: shown.syslogHost,
              port: Number(shown.syslogPort),
              transport: shown.syslogTransport,
              facility: c.syslog?.facility ?? 16,
            }
          : null,
      },
      { onSuccess: () => setDraft(null) },
    );
  };
  return (
    <section className="panel">
      <h2>Alert integrations</h2>
      <p className="muted">
        New alerts at or above the severity go to the webhook (a JSON POST signed in X-Vigil-Signature:
        t=&lt;unix time&gt;,v1=HMAC-SHA256 of &quot;t.body&quot; with the secret) and to the syslog server
        (RFC 5424, facility local0). Leave a field empty to turn that integration off.
      </p>
      <form className="stack" onSubmit={submit} aria-label="Alert integrations">
        <label>
          Console address (alerts link to it)
          <input type="url" value={shown.consoleUrl} onChange={(e) => edit({ consoleUrl: e.target.value })} />
        </label>
        <label>
          Send alerts from severity
          <select
            value={shown.minSeverity}
            onChange={(e) => edit({ minSeverity: e.target.value as Severity })}
          >
            {severities.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Webhook URL
          <input type="url" value={shown.webhookUrl} onChange={(e) => edit({ webhookUrl: e.target.value })} />
        </label>
        <label>
          Webhook signing secret{" "}
          {c.webhook?.secretSet && <span className="muted">(set: leave empty to keep it)</span>}
          <input
            type="password"
            autoComplete="new-password"
            value={shown.webhookSecret}
            onChange={(e) => edit({ webhookSecret: e.target.value })}
          />
        </label>
        <label>
          Syslog host
          <input value={shown.syslogHost} onChange={(e) => edit({ syslogHost: e.target.value })} />
        </label>
        <label>
          Syslog port
          <input
            type="number"
            min={1}
            max={65535}
            value={shown.syslogPort}
            onChange={(e) => edit({ syslogPort: e.target.value })}
          />
        </label>
        <label>
          Syslog transport
          <select
            value={shown.syslogTransport}
            onChange={(e) => edit({ syslogTransport: e.target.value as "udp" | "tcp" })}
          >
            <option value="udp">UDP (RFC 5426)</option>
            <option value="tcp">TCP (RFC 6587, octet counting)</option>
          </select>
        </label>
        <div className="row">
          <button type="submit" disabled={update.isPending}>
            Save integrations
          </button>{" "}
          <button type="button" className="quiet" onClick={() => test.mutate()} disabled={test.isPending}>
            Send a test alert
          </button>
        </div>
      </form>
      {update.error && <p className="error">{update.error.message}</p>}
      {test.data && (
        <ul className="plain-list" aria-label="Test results">
          {test.data.length === 0 && <li className="muted">No integration is configured.</li>}
          {test.data.map((r) => (
            <li key={r.target} className={r.ok ? "ok" : "error"}>
              {r.target}: {r.ok ? "sent" : `failed: ${r.error}`}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
