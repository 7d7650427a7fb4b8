import { createClient } from "@clickhouse/client";
import Database from "better-sqlite3";
import fc from "fast-check";
import { afterAll, describe, expect, inject, it } from "vitest";
import { globToRegex } from "./glob";
import { str } from "./literal";

const client = createClient({ url: inject("clickhouseUrl") });
const sqlite = new Database(":memory:");
afterAll(async () => {
  await client.close();
  sqlite.close();
});

/** Whether each text matches its glob, asked of ClickHouse with the translated pattern. */
async function clickhouseMatches(pairs: [string, string][]): Promise<boolean[]> {
  const checks = pairs.map(([text, glob]) => `match(${str(text)}, ${str(globToRegex(glob))})`);
  const result = await client.query({ query: `SELECT [${checks.join(", ")}] AS v`, format: "JSONEachRow" });
  return (((await result.json()) as { v: number[] }[])[0]?.v ?? []).map(Boolean);
}

const sqliteMatches = (pairs: [string, string][]) =>
  pairs.map(([text, glob]) => sqlite.prepare("SELECT ? GLOB ?").pluck().get(text, glob) === 1);

describe("SQLite's GLOB in ClickHouse", () => {
  it("matches what SQLite matches", async () => {
    const text = fc.string({
      unit: fc.constantFrom("a", "b", "é", "/", "-", "]", "^", ".", "\n", "日"),
      maxLength: 8,
    });
    const glob = fc.string({
      unit: fc.constantFrom("a", "b", "é", "/", "-", "]", "^", ".", "*", "?", "[", "日", "\\"),
      maxLength: 8,
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(text, glob), { minLength: 1, maxLength: 150 }), async (pairs) => {
        expect(await clickhouseMatches(pairs)).toEqual(sqliteMatches(pairs));
      }),
      { numRuns: 60 },
    );
  });

  it("matches paths as analysts write them", async () => {
    const pairs: [string, string][] = [
      ["/usr/bin/python3.11", "/usr/bin/python*"],
      ["/usr/bin/python3.11", "/usr/bin/python?"],
      ["/usr/bin/curl", "*/[c]url"],
      ["/usr/bin/curl", "*/[^c]url"],
      ["/tmp/x (deleted)", "/tmp/*(deleted)"],
      ["/tmp/a+b", "/tmp/a+b"],
      ["/tmp/a", "/tmp/[b-a]"],
      ["/tmp/a", "/tmp/[a"],
    ];
    expect(await clickhouseMatches(pairs)).toEqual([true, false, true, false, true, true, false, false]);
    expect(sqliteMatches(pairs)).toEqual([true, false, true, false, true, true, false, false]);
  });
});
