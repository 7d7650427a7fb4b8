import { type AlertStatus, type EventRef, nsToTime, type Store, timeToNs } from "@vigil/db";
import type { PolicyRef, VigilEvent } from "@vigil/events";
import { type Policy, parsePolicy } from "@vigil/policy";
import type Database from "better-sqlite3";
import { notFound } from "../errors";
import { builtInDetections, type Detection } from "./detections";

type Statement = Database.Statement<unknown[]>;

/**
 * Turns matching events into alerts inside the ingest transaction. A rule's matches join its open (not resolved)
 * alert; once that is resolved, the next match opens a new one.
 */
export class AlertRecorder {
  private readonly open: Statement;
  private readonly update: Statement;
  private readonly create: Statement;
  private readonly link: Statement;
  private readonly policyText: Statement;
  /** Published policy versions by `name@version`, parsed once; null for one the server does not have. */
  private readonly policies = new Map<string, Policy | null>();

  constructor(
    sqlite: Store["sqlite"],
    private readonly detections: Detection[] = builtInDetections,
  ) {
    this.open = sqlite
      .prepare(
        "SELECT id, host_ids FROM alerts WHERE rule = ? AND status != 'resolved' ORDER BY id DESC LIMIT 1",
      )
      .safeIntegers(false);
    // The newest match's event, host and pid replace the alert's when it is as new as any before.
    this.update = sqlite.prepare(
      `UPDATE alerts SET count = count + 1, host_ids = @hosts, first_ns = min(first_ns, @timeNs),
         last_ns = max(last_ns, @timeNs), last_seq = CASE WHEN @timeNs >= last_ns THEN @seq ELSE last_seq END,
         last_host_id = CASE WHEN @timeNs >= last_ns THEN @host ELSE last_host_id END,
         last_pid = CASE WHEN @timeNs >= last_ns THEN @pid ELSE last_pid END, updated_ms = @nowMs
       WHERE id = @id`,
    );
    this.create = sqlite.prepare(
      `INSERT INTO alerts (rule, severity, title, status, count, host_ids, first_ns, last_ns, last_seq, last_host_id,
         last_pid, updated_ms)
       VALUES (?, ?, ?, 'new', 1, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    );
    this.link = sqlite.prepare(
      "INSERT OR IGNORE INTO alert_events (alert_id, seq, time_ns) VALUES (?, ?, ?)",
    );
    this.policyText = sqlite
      .prepare(
        `SELECT v.yaml FROM policy_versions v JOIN policies p ON p.id = v.policy_id
         WHERE p.name = ? AND v.version = ?`,
      )
      .pluck();
  }

  /**
   * Checks one stored event (its reference in the event store, `seq`, and its host) against every detection, and
   * raises the alert of the policy rule that decided it, if any (an event naming a policy or rule the server does
   * not know raises nothing).
   */
  record(hostId: number, seq: number | bigint, event: VigilEvent, nowMs = Date.now()): void {
    const timeNs = timeToNs(event.time);
    const match = { seq, pid: event.process.pid };
    for (const detection of this.detections) {
      if (detection.matches(event)) this.raise(detection, hostId, match, timeNs, nowMs);
    }
    const rule = event.policy && this.policyRule(event.policy);
    if (rule) this.raise(rule, hostId, match, timeNs, nowMs);
  }

  /**
   * Adds a match of `rule` on a host to the rule's open alert, or opens one. `match` is the event behind it (its
   * reference and pid); null for what no event shows (a host's health), which the alert then stands for without
   * events. An event its open alert has already is not counted again (a node sent its batch's alerts twice).
   */
  raise(
    rule: Pick<Detection, "rule" | "severity" | "title">,
    hostId: number,
    match: { seq: number | bigint; pid: number } | null,
    timeNs: bigint,
    nowMs: number,
  ): void {
    const seq = match?.seq ?? 0;
    const host = match ? hostId : null;
    const pid = match?.pid ?? null;
    const open = this.open.get(rule.rule) as { id: number; host_ids: string } | undefined;
    if (open) {
      if (match && this.link.run(open.id, match.seq, timeNs).changes === 0) return;
      const hosts = JSON.parse(open.host_ids) as number[];
      if (!hosts.includes(hostId)) hosts.push(hostId);
      this.update.run({ hosts: JSON.stringify(hosts), timeNs, seq, host, pid, nowMs, id: open.id });
    } else {
      const created = this.create.get(
        rule.rule,
        rule.severity,
        rule.title,
        JSON.stringify([hostId]),
        timeNs,
        timeNs,
        seq,
        host,
        pid,
        nowMs,
      ) as { id: number };
      if (match) this.link.run(created.id, match.seq, timeNs);
    }
  }

  /** The alert a policy's rule raises, from the published version the event names (versions never change). */
  private policyRule(ref: PolicyRef): Pick<Detection, "rule" | "severity" | "title"> | null {
    const key = `${ref.id}@${ref.version}`;
    if (!this.policies.has(key)) {
      if (this.policies.size >= 1000) this.policies.clear();
      const yaml = this.policyText.get(ref.id, ref.version) as string | undefined;
      const parsed = yaml === undefined ? null : parsePolicy(yaml);
      this.policies.set(key, parsed?.ok ? parsed.policy : null);
    }
    const rule = this.policies.get(key)?.rules.find((r) => r.id === ref.rule && r.action !== "allow");
    if (!rule) return null;
    return {
      rule: `policy:${ref.id}/${rule.id}`,
      severity: rule.severity === "info" ? "low" : rule.severity,
      title: rule.description ?? `Policy ${ref.id}, rule ${rule.id} (${rule.action})`,
    };
  }
}

export type AlertView = {
  id: number;
  rule: string;
  severity: string;
  title: string;
  status: AlertStatus;
  assignee: string | null;
  count: number;
  hosts: string[];
  first: string;
  last: string;
  /** the newest matching event, where the process view opens */
  latest: { host: string; pid: number; time: string } | null;
};

type AlertListRow = {
  id: number;
  rule: string;
  severity: string;
  title: string;
  status: AlertStatus;
  assignee: string | null;
  count: number;
  host_ids: string;
  first_ns: bigint;
  last_ns: bigint;
  latest_host: string | null;
  latest_pid: number | null;
  latest_ns: bigint | null;
};

/** Alerts with the given statuses, newest activity first; `before` is the last id of the previous page. */
export function listAlerts(
  store: Store,
  query: { statuses: AlertStatus[]; limit: number; before?: number; id?: number },
) {
  const statuses = query.statuses.length ? query.statuses : ["new", "acknowledged", "resolved"];
  const rows = store.sqlite
    .prepare(
      `SELECT a.id, a.rule, a.severity, a.title, a.status, a.assignee, a.count, a.host_ids, a.first_ns, a.last_ns,
         h.machine_id AS latest_host, a.last_pid AS latest_pid, a.last_ns AS latest_ns
       FROM alerts a LEFT JOIN hosts h ON h.id = a.last_host_id
       WHERE a.status IN (${statuses.map(() => "?").join(", ")}) ${query.before ? "AND a.id < ?" : ""}
         ${query.id ? "AND a.id = ?" : ""}
       ORDER BY a.id DESC LIMIT ?`,
    )
    .safeIntegers(true)
    .all(
      ...statuses,
      ...(query.before ? [query.before] : []),
      ...(query.id ? [query.id] : []),
      query.limit,
    ) as AlertListRow[];
  const names = new Map(
    (store.sqlite.prepare("SELECT id, name FROM hosts").all() as { id: number; name: string }[]).map((h) => [
      h.id,
      h.name,
    ]),
  );
  const alerts: AlertView[] = rows.map((r) => ({
    id: Number(r.id),
    rule: r.rule,
    severity: r.severity,
    title: r.title,
    status: r.status,
    assignee: r.assignee,
    count: Number(r.count),
    hosts: (JSON.parse(r.host_ids) as number[]).map((id) => names.get(id) ?? `host ${id}`),
    first: nsToTime(r.first_ns),
    last: nsToTime(r.last_ns),
    latest:
      r.latest_host !== null && r.latest_pid !== null && r.latest_ns !== null
        ? { host: r.latest_host, pid: Number(r.latest_pid), time: nsToTime(r.latest_ns) }
        : null,
  }));
  return { alerts, next: rows.length === query.limit ? (alerts.at(-1)?.id ?? null) : null };
}

export function getAlert(store: Store, id: number): AlertView {
  const alert = listAlerts(store, { statuses: [], limit: 1, id }).alerts[0];
  if (!alert) throw notFound(`no alert ${id}`);
  return alert;
}

/** Sets an alert's status and/or assignee; returns what changed, for the audit log. */
export function updateAlert(
  store: Store,
  change: { id: number; status?: AlertStatus; assignee?: string | null },
  nowMs = Date.now(),
): { status?: AlertStatus; assignee?: string | null } {
  const sets: string[] = ["updated_ms = ?"];
  const params: unknown[] = [nowMs];
  if (change.status !== undefined) {
    sets.push("status = ?");
    params.push(change.status);
  }
  if (change.assignee !== undefined) {
    sets.push("assignee = ?");
    params.push(change.assignee);
  }
  const { changes } = store.sqlite
    .prepare(`UPDATE alerts SET ${sets.join(", ")} WHERE id = ?`)
    .run(...params, change.id);
  if (changes === 0) throw notFound(`no alert ${change.id}`);
  return { status: change.status, assignee: change.assignee };
}

/** References of an alert's events, newest first (a page of at most `limit` after the last one of the previous). */
export function alertEventRefs(store: Store, alertId: number, limit: number, before?: EventRef): EventRef[] {
  const after = before ? "AND (time_ns < @timeNs OR (time_ns = @timeNs AND seq < @seq))" : "";
  const rows = store.sqlite
    .prepare(
      `SELECT time_ns, seq FROM alert_events WHERE alert_id = @alertId AND time_ns IS NOT NULL ${after}
       ORDER BY time_ns DESC, seq DESC LIMIT @limit`,
    )
    .raw()
    .safeIntegers(true)
    .all({ alertId, limit, ...before }) as [bigint, bigint][];
  return rows.map(([timeNs, seq]) => ({ timeNs, seq }));
}

/**
 * Forgets which events an alert stood for once retention has deleted them (the alert itself stays): those older
 * than `beforeNs` where the event store keeps no arrival numbers, else those whose number is gone.
 */
export function pruneAlertEvents(store: Store, beforeNs?: bigint): number {
  if (beforeNs !== undefined) {
    return store.sqlite.prepare("DELETE FROM alert_events WHERE time_ns < ?").run(beforeNs).changes;
  }
  return store.sqlite
    .prepare(
      "DELETE FROM alert_events WHERE NOT EXISTS (SELECT 1 FROM events WHERE events.seq = alert_events.seq)",
    )
    .run().changes;
}
