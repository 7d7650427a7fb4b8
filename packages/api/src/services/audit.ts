import { auditLog, type Store } from "@vigil/db";
import { and, desc, eq, lt } from "drizzle-orm";

export type AuditEntry = {
  actor: string;
  action: string;
  target?: string | null;
  source?: string | null;
  detail?: Record<string, unknown>;
};

export function recordAudit(store: Store, entry: AuditEntry, nowMs = Date.now()): void {
  store.db
    .insert(auditLog)
    .values({
      timeMs: nowMs,
      actor: entry.actor,
      action: entry.action,
      target: entry.target ?? null,
      source: entry.source ?? null,
      detail: entry.detail ? JSON.stringify(entry.detail) : null,
    })
    .run();
}

/** Newest first; `before` is the id of the last row of the previous page. */
export function listAudit(store: Store, page: { action?: string; before?: number; limit: number }) {
  const rows = store.db
    .select()
    .from(auditLog)
    .where(
      and(
        page.action ? eq(auditLog.action, page.action) : undefined,
        page.before ? lt(auditLog.id, page.before) : undefined,
      ),
    )
    .orderBy(desc(auditLog.id))
    .limit(page.limit)
    .all();
  return {
    entries: rows.map((r) => ({ ...r, detail: r.detail ? (JSON.parse(r.detail) as unknown) : null })),
    next: rows.length === page.limit ? (rows.at(-1)?.id ?? null) : null,
  };
}
