import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A clickhouse-server of its own on loopback ports, for tests and benchmarks; `stop` removes its data. */
export type TestServer = {
  url: string;
  httpPort: number;
  tcpPort: number;
  dir: string;
  stop(): Promise<void>;
};

/** A port nothing listens on now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** `shards`: the tcp ports of the servers of a cluster named `vigil` (one replica each), this one among them. */
function config(dir: string, ports: { http: number; tcp: number; interserver: number }, shards: number[]) {
  const cluster = shards
    .map((port) => `<shard><replica><host>127.0.0.1</host><port>${port}</port></replica></shard>`)
    .join("");
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/server.log</log><errorlog>${dir}/error.log</errorlog><console>0</console></logger>
  <http_port>${ports.http}</http_port>
  <tcp_port>${ports.tcp}</tcp_port>
  <interserver_http_port>${ports.interserver}</interserver_http_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
  <remote_servers><vigil>${cluster}</vigil></remote_servers>
</yandex>
`;
}

const users = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
`;

const SBIN = "/usr/sbin/clickhouse-server";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function ready(url: string, server: ChildProcess, dir: string): Promise<void> {
  for (let waited = 0; waited < 60_000; waited += 100) {
    if (server.exitCode !== null) {
      throw new Error(`clickhouse-server exited with ${server.exitCode}: see ${dir}/error.log`);
    }
    try {
      if ((await fetch(`${url}/ping`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`clickhouse-server did not answer on ${url} within 60 s: see ${dir}/error.log`);
}

/**
 * Starts Debian's clickhouse-server (scripts/prerequisites.sh installs it) with its data in a temporary folder.
 * For a cluster, start each with the same `shards` (from `clusterPorts`).
 */
export async function startTestServer(
  options: { ports?: { http: number; tcp: number; interserver: number }; shards?: number[] } = {},
): Promise<TestServer> {
  const ports = options.ports ?? {
    http: await freePort(),
    tcp: await freePort(),
    interserver: await freePort(),
  };
  const dir = mkdtempSync(join(tmpdir(), "vigil-clickhouse-"));
  writeFileSync(join(dir, "config.xml"), config(dir, ports, options.shards ?? [ports.tcp]));
  writeFileSync(join(dir, "users.xml"), users);
  // Debian puts it in /usr/sbin, which a non-login shell's PATH may lack.
  const command = existsSync(SBIN) ? SBIN : "clickhouse-server";
  const server = spawn(command, ["--config-file", join(dir, "config.xml")], {
    stdio: "ignore",
  });
  const spawned = new Promise<void>((resolve, reject) => {
    server.once("spawn", resolve);
    server.once("error", (error) =>
      reject(
        (error as NodeJS.ErrnoException).code === "ENOENT"
          ? new Error(
              "clickhouse-server is not installed: apt-get install clickhouse-server (or run npm test)",
            )
          : error,
      ),
    );
  });
  await spawned;
  const url = `http://127.0.0.1:${ports.http}`;
  const stop = async () => {
    if (server.exitCode === null) {
      const exited = new Promise((resolve) => server.once("exit", resolve));
      server.kill("SIGKILL");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await ready(url, server, dir);
  } catch (error) {
    if (server.exitCode === null) server.kill("SIGKILL");
    throw error;
  }
  return { url, httpPort: ports.http, tcpPort: ports.tcp, dir, stop };
}

/** Ports for the servers of a cluster of `count` shards: start each with `{ ports: p[i], shards: tcp ports }`. */
export async function clusterPorts(count: number) {
  const ports = [];
  for (let i = 0; i < count; i++) {
    ports.push({ http: await freePort(), tcp: await freePort(), interserver: await freePort() });
  }
  return { ports, shards: ports.map((p) => p.tcp) };
}

/** Drops a test's database (over HTTP, with no client library). */
export async function dropDatabase(url: string, database: string): Promise<void> {
  const response = await fetch(url, { method: "POST", body: `DROP DATABASE IF EXISTS ${database}` });
  if (!response.ok) throw new Error(`dropping ${database}: ${response.status} ${await response.text()}`);
}
