import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validEvent } from "@vigil/events/fixtures";
import { hostIdentity } from "../../../agent/src/host";
import { Spool } from "../../../agent/src/ship/spool";
import { readDb } from "./processes";

const { host } = hostIdentity(); // the host the real agent enrolls as

/** An agent data directory whose spool already holds `total` events of this host, as after a long outage. */
export function spooledAgentDir(total: number): string {
  const dir = mkdtempSync(join(tmpdir(), "vigil-agent-"));
  const spool = new Spool(join(dir, "spool.db"), 1024 * 1024 * 1024);
  const base = validEvent("exec") as { process: Record<string, unknown> };
  for (let start = 0; start < total; start += 10_000) {
    spool.append(
      Array.from({ length: Math.min(10_000, total - start) }, (_, i) =>
        JSON.stringify({
          ...base,
          id: `spooled-${start + i}`,
          host,
          process: {
            ...base.process,
            pid: 1000 + ((start + i) % 30_000),
            argv: ["curl", "-s", `https://example.com/${(start + i) % 500}`],
          },
        }),
      ),
    );
  }
  spool.close();
  return dir;
}

/** How many of the spooled events the server has stored, and how many distinct ones. */
export function storedSpooled(dir: string): { count: number; ids: number } {
  try {
    return readDb(dir, (db) =>
      db
        .prepare(
          "SELECT count(*) AS count, count(DISTINCT event_id) AS ids FROM events WHERE event_id LIKE 'spooled-%'",
        )
        .get(),
    ) as { count: number; ids: number };
  } catch (error) {
    // The server creates its database at the first request (the agent's enrollment).
    if (/no such table|unable to open/.test((error as Error).message)) return { count: 0, ids: 0 };
    throw error;
  }
}

export async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const integrity = (dir: string) =>
  readDb(dir, (db) => db.prepare("PRAGMA integrity_check").pluck().get());
