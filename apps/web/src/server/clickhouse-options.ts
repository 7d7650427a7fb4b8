import type { ClickHouseOptions } from "@vigil/clickhouse";
import { env } from "../env";

/** The ClickHouse server or cluster the environment names (VIGIL_CLICKHOUSE_*). */
export function clickhouseOptions(): ClickHouseOptions {
  const shards = env.VIGIL_CLICKHOUSE_SHARDS;
  return {
    url: env.VIGIL_CLICKHOUSE_URL as string,
    username: env.VIGIL_CLICKHOUSE_USER,
    password: env.VIGIL_CLICKHOUSE_PASSWORD,
    database: env.VIGIL_CLICKHOUSE_DATABASE,
    cluster:
      env.VIGIL_CLICKHOUSE_CLUSTER && shards
        ? { name: env.VIGIL_CLICKHOUSE_CLUSTER, shardUrls: shards }
        : undefined,
  };
}
