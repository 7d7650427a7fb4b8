import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { describeIssues } from "@vigil/events";
import { z } from "zod";

/** The only reader of process.env for the server: fails fast with a readable message. */
const schema = z.object({
  VIGIL_DATA_DIR: z.string().min(1).default(resolve(process.cwd(), "../../data")),
  VIGIL_MIGRATIONS_DIR: z.string().min(1).default(resolve(process.cwd(), "../../packages/db/drizzle")),
  VIGIL_POLICY_TEMPLATES_DIR: z
    .string()
    .min(1)
    .default(resolve(process.cwd(), "../../packages/policy/templates")),
  VIGIL_RETENTION_DAYS: z.coerce.number().positive().default(30),
  VIGIL_RETENTION_MAX_EVENTS: z.coerce.number().int().positive().default(10_000_000),
  /** Threads that decode event batches (0: the main thread does); by default one per core but the writing thread's. */
  VIGIL_DECODE_THREADS: z.coerce
    .number()
    .int()
    .min(0)
    .max(64)
    .default(Math.max(1, Math.min(8, availableParallelism() - 1))),
  /** PEM certificate (chain) and key: the console and agent API are served over HTTPS with them. */
  VIGIL_TLS_CERT: z.string().min(1).optional(),
  VIGIL_TLS_KEY: z.string().min(1).optional(),
  /** Where events are kept: the server's SQLite database (no set-up), or a ClickHouse server or cluster. */
  VIGIL_EVENT_STORE: z.enum(["sqlite", "clickhouse"]).default("sqlite"),
  /** ClickHouse's HTTP interface (a server, or one of the cluster's, or a proxy in front of them). */
  VIGIL_CLICKHOUSE_URL: z.url().optional(),
  VIGIL_CLICKHOUSE_USER: z.string().min(1).optional(),
  VIGIL_CLICKHOUSE_PASSWORD: z.string().optional(),
  VIGIL_CLICKHOUSE_DATABASE: z.string().min(1).default("vigil"),
  /** On a cluster: its name in the servers' remote_servers, and the HTTP URL of each shard (comma-separated). */
  VIGIL_CLICKHOUSE_CLUSTER: z.string().min(1).optional(),
  VIGIL_CLICKHOUSE_SHARDS: z
    .string()
    .optional()
    .transform((list) => list?.split(",").map((url) => url.trim()))
    .pipe(z.array(z.url()).min(1).optional()),
  /**
   * The secret the nodes of one Vigil cluster share (32 characters or more): ingest nodes present it to the control
   * node, which then checks agents' credentials and records alerts for them.
   */
  VIGIL_CLUSTER_SECRET: z
    .string()
    .regex(/^\S{32,}$/, "VIGIL_CLUSTER_SECRET: 32 characters or more, no spaces (e.g. openssl rand -hex 32)")
    .optional(),
  /** Set on an ingest node: the control node (the console), to which it sends all but event batches. */
  VIGIL_CONTROL_URL: z.url().optional(),
  /** 1: agents' batches and heartbeats are stored by a thread of their own; 0: by the main thread. */
  VIGIL_WRITE_THREAD: z
    .enum(["0", "1"])
    .default("1")
    .transform((value) => value === "1"),
});

function load() {
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    throw new Error(`bad environment for the Vigil server: ${describeIssues(parsed.error, "(environment)")}`);
  }
  const env = parsed.data;
  if (env.VIGIL_EVENT_STORE === "clickhouse" && !env.VIGIL_CLICKHOUSE_URL) {
    throw new Error(
      "bad environment for the Vigil server: VIGIL_EVENT_STORE=clickhouse needs VIGIL_CLICKHOUSE_URL (e.g. http://clickhouse:8123)",
    );
  }
  if (!env.VIGIL_CLICKHOUSE_CLUSTER !== !env.VIGIL_CLICKHOUSE_SHARDS) {
    throw new Error(
      "bad environment for the Vigil server: set both VIGIL_CLICKHOUSE_CLUSTER and VIGIL_CLICKHOUSE_SHARDS (a cluster), or neither",
    );
  }
  if (env.VIGIL_CONTROL_URL && (env.VIGIL_EVENT_STORE !== "clickhouse" || !env.VIGIL_CLUSTER_SECRET)) {
    throw new Error(
      "bad environment for the Vigil server: an ingest node (VIGIL_CONTROL_URL) stores events in ClickHouse " +
        "(VIGIL_EVENT_STORE=clickhouse) and presents the cluster's VIGIL_CLUSTER_SECRET to the control node",
    );
  }
  return env;
}

export const env = load();
