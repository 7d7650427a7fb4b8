import { createClient } from "@clickhouse/client";
import { describeEventStore } from "@vigil/db/store-contract";
import { vigilEventSchema } from "@vigil/events";
import { validEvent } from "@vigil/events/fixtures";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClickHouseEventStore } from "./clickhouse-store";
import { clusterPorts, dropDatabase, startTestServer, type TestServer } from "./test-server";

// The same contract on two shards: events spread over both by their key, read through Distributed tables.
const shards: TestServer[] = [];
beforeAll(async () => {
  const { ports, shards: tcpPorts } = await clusterPorts(2);
  for (const p of ports) shards.push(await startTestServer({ ports: p, shards: tcpPorts }));
}, 120_000);
afterAll(() => Promise.all(shards.map((s) => s.stop())));

let databases = 0;

async function openClusterStore() {
  const database = `cluster_${process.pid}_${databases++}`;
  const shardUrls = shards.map((s) => s.url);
  const store = await ClickHouseEventStore.open({
    url: shardUrls[1] as string,
    database,
    cluster: { name: "vigil", shardUrls },
  });
  return {
    store,
    database,
    addHost: () => {},
    close: async () => {
      await store.close();
      for (const url of shardUrls) await dropDatabase(url, database);
    },
  };
}

describeEventStore("ClickHouse, two shards", openClusterStore);

describe("events on two shards", () => {
  it("spread over both; a batch sent again is kept once", async () => {
    const { store, database, close } = await openClusterStore();
    try {
      const batch = Array.from({ length: 200 }, (_, i) =>
        vigilEventSchema.parse({
          ...validEvent("fork"),
          id: `f${i}`,
          time: `2026-11-28T22:00:0${i % 10}.000000000Z`,
        }),
      );
      await store.append(batch, 1);
      await store.append(batch.slice(50, 150), 2);
      const perShard: number[] = [];
      for (const shard of shards) {
        const client = createClient({ url: shard.url });
        const result = await client.query({
          query: `SELECT count() AS n FROM ${database}.events_local`,
          format: "JSONEachRow",
        });
        perShard.push(Number(((await result.json()) as { n: string }[])[0]?.n));
        await client.close();
      }
      expect(perShard.every((n) => n > 40)).toBe(true);
      expect(perShard.reduce((a, b) => a + b, 0)).toBe(200);
      expect((await store.page({}, { order: "asc", limit: 1000 })).events).toHaveLength(200);
    } finally {
      await close();
    }
  });
});
