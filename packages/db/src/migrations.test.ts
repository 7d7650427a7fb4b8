import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { vigilEventSchema } from "@vigil/events";
import { validEvent } from "@vigil/events/fixtures";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "./client";
import { queryEvents } from "./events/query";
import { EventWriter } from "./events/writer";
import { hosts, users } from "./schema";

const migrations = join(import.meta.dirname, "..", "drizzle");
const journal = JSON.parse(readFileSync(join(migrations, "meta", "_journal.json"), "utf8")) as {
  entries: unknown[];
};
const dir = mkdtempSync(join(tmpdir(), "vigil-migrations-"));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const tables = (path: string) => {
  const store = openStore(path);
  const names = store.sqlite
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .pluck()
    .all();
  store.close();
  return names;
};

describe("migrations", () => {
  it("create every table on an empty database, and opening again changes nothing", () => {
    const path = join(dir, "empty.db");
    const first = tables(path);
    expect(first).toEqual(
      expect.arrayContaining(["agents", "events", "files_fts", "hosts", "programs", "programs_fts", "users"]),
    );
    expect(tables(path)).toEqual(first);
  });

  it("bring a database of the previous schema version up to date and keep its rows", () => {
    expect(journal.entries.length).toBeGreaterThanOrEqual(2);
    const previous = join(dir, "previous-migrations");
    cpSync(migrations, previous, { recursive: true });
    writeFileSync(
      join(previous, "meta", "_journal.json"),
      JSON.stringify({ ...journal, entries: journal.entries.slice(0, -1) }),
    );
    const path = join(dir, "old.db");
    const old = openStore(path, previous);
    // Plain SQL: the schema in code is the newest, which may have columns the old database lacks.
    old.sqlite
      .prepare(
        "INSERT INTO hosts (machine_id, name, first_seen_ms, last_seen_ms) VALUES ('m1', 'web-1', 1, 2)",
      )
      .run();
    old.sqlite
      .prepare("INSERT INTO users (name, password_hash, role, created_ms) VALUES ('ana', 'x', 'admin', 1)")
      .run();
    old.close();

    const store = openStore(path);
    expect(store.db.select().from(hosts).all()).toMatchObject([{ machineId: "m1", name: "web-1" }]);
    expect(store.db.select().from(users).all()).toMatchObject([{ name: "ana", role: "admin" }]);
    const event = vigilEventSchema.parse({ ...validEvent("exec"), host: { id: "m1", name: "web-1" } });
    store.sqlite.transaction(() => new EventWriter(store.sqlite).insert(1, event))();
    expect(queryEvents(store.sqlite, { q: "curl" }, { order: "asc", limit: 5 }).events).toEqual([event]);
    store.close();
  });
});
