import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { testStore } from "./test-store";
import { writeUnlessBusy } from "./unless-busy";

let cleanup = () => {};
afterEach(() => cleanup());

describe("a write unless the database is busy", () => {
  it("runs when no one else writes, and gives up at once while another connection holds the write lock", () => {
    const t = testStore();
    const other = new Database(`${t.dir}/vigil.db`);
    cleanup = () => {
      other.close();
      t.cleanup();
    };
    const { sqlite } = t.store;
    const rename = (name: string) => () => sqlite.prepare("UPDATE hosts SET name = ?").run(name);
    expect(writeUnlessBusy(sqlite, rename("web-2"))).toBe(true);

    other.exec("BEGIN IMMEDIATE");
    let timeout: unknown;
    const wait = () => {
      timeout = sqlite.pragma("busy_timeout", { simple: true });
      rename("web-3")();
    };
    expect(writeUnlessBusy(sqlite, wait)).toBe(false);
    expect(timeout).toBe(0); // it did not wait out the store's 5 s
    expect(sqlite.pragma("busy_timeout", { simple: true })).toBe(5000); // restored
    other.exec("COMMIT");

    expect(sqlite.prepare("SELECT name FROM hosts").pluck().get()).toBe("web-2");
    expect(() => writeUnlessBusy(sqlite, () => sqlite.exec("UPDATE nowhere SET x = 1"))).toThrow(
      /no such table/,
    );
  });
});
