import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";

export const repoRoot = join(import.meta.dirname, "..", "..", "..");
const webDir = join(repoRoot, "apps", "web");
export const cli = join(repoRoot, "apps", "cli", "bin", "vigil");
export const agentBin = join(repoRoot, "agent", "bin", "vigil-agent");

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A data directory with an admin, an enrollment token and a viewer API token, as `npm run up` makes it. */
export function dataDir(parent = tmpdir()): {
  dir: string;
  enrollToken: string;
  apiToken: string;
  cleanup: () => void;
} {
  const dir = mkdtempSync(join(parent, "vigil-e2e-"));
  const env = { ...process.env, VIGIL_ADMIN_PASSWORD: "a password for the tests" };
  execFileSync(cli, ["--data-dir", dir, "bootstrap"], { env, stdio: "ignore" });
  const apiToken = execFileSync(cli, ["--data-dir", dir, "token", "create", "--role", "viewer"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  }).trim();
  const enrollToken = readFileSync(join(dir, "enroll-token"), "utf8").trim();
  return { dir, enrollToken, apiToken, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A child process with its output collected, that resolves `ready` once `readyLine` appears on stdout/stderr. */
export class Running {
  output = "";
  readonly exited: Promise<number | null>;
  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding("utf8").on("data", (t: string) => {
      this.output += t;
    });
    child.stderr?.setEncoding("utf8").on("data", (t: string) => {
      this.output += t;
    });
    this.exited = new Promise((resolve) =>
      child.on("exit", (code, signal) => resolve(code ?? (signal ? -1 : null))),
    );
  }

  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`exited before ${pattern}:\n${this.output}`);
      }
      if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Signals the process and waits for it to exit; one still running 20 s later is killed, and said so. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill(signal);
    const late = setTimeout(() => {
      // Once in ~10 clean runs the server outlived its SIGTERM and the test waited out its 300 s: leave a trace.
      console.warn(
        `pid ${this.child.pid} still running 20 s after ${signal}; killing it. Its last output:\n${this.output.slice(-2000)}`,
      );
      this.child.kill("SIGKILL");
    }, 20_000);
    await this.exited;
    clearTimeout(late);
  }
}

/** The real server (bin/vigil-server, built by `npm test`'s build step) on a loopback port. */
export async function startServer(
  dir: string,
  port: number,
  env: Record<string, string> = {},
): Promise<Running> {
  const child = spawn(join(webDir, "bin", "vigil-server"), ["-p", String(port), "-H", "127.0.0.1"], {
    cwd: webDir,
    env: { ...process.env, VIGIL_DATA_DIR: dir, NEXT_TELEMETRY_DISABLED: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const server = new Running(child);
  await server.waitFor(/Ready in/);
  return server;
}

/** The real agent, shipping to `server`, its credential and spool in `agentDir`. */
export async function startAgent(
  server: string,
  agentDir: string,
  enrollToken: string,
  extra: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
) {
  const child = spawn(
    agentBin,
    [
      "run",
      "--server",
      server,
      "--enroll-token",
      enrollToken,
      "--data-dir",
      agentDir,
      "--heartbeat-s",
      "1",
      ...extra,
    ],
    { stdio: ["ignore", "pipe", "pipe"], env },
  );
  const agent = new Running(child);
  await agent.waitFor(/vigil-sensor: \w+ mode/);
  return agent;
}

/** The pid of the sensor the agent runs now (its child). */
export function sensorOf(agent: Running): number {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const [, comm, rest] = stat.match(/^\d+ \((.*)\) (.*)$/s) ?? [];
      if (comm === "vigil-sensor" && Number(rest?.split(" ")[1]) === agent.child.pid) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no sensor runs under the agent (pid ${agent.child.pid})`);
}

/** A look into the server's database (read-only, closed again at once). */
export function readDb<T>(dir: string, read: (db: Database.Database) => T): T {
  const db = new Database(join(dir, "vigil.db"), { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** GET /api/v1/events as NDJSON lines parsed. */
export async function exportedEvents(
  base: string,
  token: string,
  query: string,
): Promise<Record<string, unknown>[]> {
  const response = await fetch(`${base}/api/v1/events?${query}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (response.status !== 200)
    throw new Error(`export answered ${response.status}: ${await response.text()}`);
  return (await response.text())
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A new admin API token for the server of data directory `dir`. */
export const adminToken = (dir: string) =>
  execFileSync(cli, ["--data-dir", dir, "token", "create", "--role", "admin"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  }).trim();

/** The console's tRPC queries, as `token` calls them on the server at `base`: a result's data, or an error. */
export function consoleApi(base: string, token: string) {
  return async <T>(path: string, input: unknown): Promise<T> => {
    const query = `?input=${encodeURIComponent(JSON.stringify(input))}`;
    const response = await fetch(`${base}/api/trpc/${path}${query}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await response.json()) as { result?: { data: T }; error?: unknown };
    if (!body.result) throw new Error(`${path}: ${response.status} ${JSON.stringify(body.error)}`);
    return body.result.data;
  };
}
