import { type Store, settings } from "@vigil/db";
import { eq } from "drizzle-orm";
import { z } from "zod";

/**
 * After how long without a heartbeat a host is stale, then offline (agents send one every 10 s by default), and from
 * how many dropped events, or events waiting in an agent's spool, a host raises an alert.
 */
export const fleetSettingSchema = z
  .strictObject({
    staleAfterS: z.int().min(20, "stale after at least 20 s").max(86_400, "stale after at most a day"),
    offlineAfterS: z
      .int()
      .min(30, "offline after at least 30 s")
      .max(30 * 86_400, "offline after at most 30 days"),
    dropsAlertAt: z.int().min(1, "alert from at least 1 dropped event").default(1000),
    spoolAlertAt: z.int().min(1, "alert from at least 1 spooled event").default(100_000),
  })
  .refine((s) => s.offlineAfterS > s.staleAfterS, {
    message: "a host must be stale before it is offline: offline after more seconds than stale",
    path: ["offlineAfterS"],
  });
export type FleetSetting = z.infer<typeof fleetSettingSchema>;

export const defaultFleetSetting: FleetSetting = {
  staleAfterS: 60,
  offlineAfterS: 300,
  dropsAlertAt: 1000,
  spoolAlertAt: 100_000,
};

export const hostStatuses = ["online", "stale", "offline"] as const;
export type HostStatus = (typeof hostStatuses)[number];

/** online: heard from within staleAfterS; stale: not since, but within offlineAfterS; offline: longer. */
export function hostStatus(lastSeenMs: number, nowMs: number, setting: FleetSetting): HostStatus {
  const silentMs = nowMs - lastSeenMs;
  if (silentMs < setting.staleAfterS * 1000) return "online";
  return silentMs < setting.offlineAfterS * 1000 ? "stale" : "offline";
}

/** What admins chose, or null while the defaults apply. */
export function fleetSetting(store: Store): FleetSetting | null {
  const row = store.db.select().from(settings).where(eq(settings.key, "fleet")).get();
  const parsed = fleetSettingSchema.safeParse(row?.value);
  return parsed.success ? parsed.data : null;
}

export function setFleetSetting(
  store: Store,
  value: FleetSetting | null,
  by: string,
  nowMs = Date.now(),
): void {
  if (value === null) {
    store.db.delete(settings).where(eq(settings.key, "fleet")).run();
    return;
  }
  const row = { key: "fleet", value, updatedMs: nowMs, updatedBy: by };
  store.db.insert(settings).values(row).onConflictDoUpdate({ target: settings.key, set: row }).run();
}
