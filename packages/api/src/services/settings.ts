import { type Store, settings } from "@vigil/db";
import { eq } from "drizzle-orm";
import { z } from "zod";

/** How long events are kept, and how many at most; the older ones go first. */
export const retentionSchema = z.strictObject({
  days: z.int().min(1, "keep events at least 1 day").max(3650, "at most 3650 days (10 years)"),
  maxEvents: z
    .int()
    .min(1_000, "keep at least 1,000 events")
    .max(2_000_000_000, "at most 2,000,000,000 events"),
});
export type RetentionSetting = z.infer<typeof retentionSchema>;

/** What admins chose for retention, or null while the server's defaults (VIGIL_RETENTION_*) apply. */
export function retentionSetting(store: Store): RetentionSetting | null {
  const row = store.db.select().from(settings).where(eq(settings.key, "retention")).get();
  const parsed = retentionSchema.safeParse(row?.value);
  return parsed.success ? parsed.data : null;
}

/** Sets retention, or with null goes back to the server's defaults; takes effect at the next retention run. */
export function setRetention(
  store: Store,
  value: RetentionSetting | null,
  by: string,
  nowMs = Date.now(),
): void {
  if (value === null) {
    store.db.delete(settings).where(eq(settings.key, "retention")).run();
    return;
  }
  const row = { key: "retention", value, updatedMs: nowMs, updatedBy: by };
  store.db.insert(settings).values(row).onConflictDoUpdate({ target: settings.key, set: row }).run();
}
