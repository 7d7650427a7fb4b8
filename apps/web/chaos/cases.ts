import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  dataDir,
  freePort,
  type Running,
  readDb,
  repoRoot,
  sensorOf,
  startAgent,
  startServer,
} from "../test/processes";
import { integrity, spooledAgentDir, storedSpooled, until } from "../test/spooled";
import { FaultyProxy } from "./faulty-proxy";
import { between } from "./random";

export type CaseContext = {
  random: () => number;
  step: (text: string) => void;
  /** Runs after the case, passed or failed, latest first. */
  defer: (cleanup: () => unknown) => void;
};

type ChaosCase = { name: string; run: (ctx: CaseContext) => Promise<void> };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

/**
 * What the server holds: events, how many the agents numbered, and events stored more than once; read in one
 * transaction, so all as of the same commit while agents go on shipping.
 */
function tally(dir: string) {
  return readDb(dir, (db) =>
    db.transaction(() => ({
      events: db.prepare("SELECT count(*) FROM events").pluck().get() as number,
      numbered: db.prepare("SELECT coalesce(sum(last_seq), 0) FROM event_streams").pluck().get() as number,
      duplicates: db
        .prepare(
          `SELECT count(*) FROM (SELECT 1 FROM events GROUP BY boot_id, ktime, id_tid, event_id HAVING count(*) > 1)`,
        )
        .pluck()
        .get() as number,
      spoolDepth: db.prepare("SELECT max(spool_depth) FROM hosts").pluck().get() as number | null,
    }))(),
  );
}

/** Events of programs whose argv holds `text` (a LIKE pattern's inside). */
const execsWith = (dir: string, text: string) =>
  readDb(dir, (db) =>
    db
      .prepare("SELECT count(*) FROM events e JOIN programs p ON p.id = e.program_id WHERE p.argv LIKE ?")
      .pluck()
      .get(`%${text}%`),
  ) as number;

/** What the case's host said in its last heartbeat (drops, clock, sensor gap); {} before the first. */
const hostHealth = (dir: string) =>
  readDb(dir, (db) =>
    JSON.parse(
      (db.prepare("SELECT health FROM hosts WHERE health IS NOT NULL").pluck().get() as string) ?? "{}",
    ),
  ) as { drops?: Record<string, number>; clockSkewMs?: number | null };

const alertsOf = (dir: string, rule: string) =>
  readDb(dir, (db) => db.prepare("SELECT count(*) FROM alerts WHERE rule = ?").pluck().get(rule)) as number;

/**
 * Every event an agent spooled (numbered in its stream) is stored once: the counts agree, no event is there twice,
 * and the database passes SQLite's integrity check.
 */
async function expectExactlyOnce(dir: string, step: CaseContext["step"], total: number): Promise<void> {
  await until(
    `all ${total} spooled events and an empty agent spool`,
    () => storedSpooled(dir).count >= total && tally(dir).spoolDepth === 0,
    300_000,
  );
  await sleep(2000); // a late duplicate would land now
  const t = tally(dir);
  step(`stored ${t.events} events; agents numbered ${t.numbered}; ${t.duplicates} stored twice`);
  check(storedSpooled(dir).count === total && storedSpooled(dir).ids === total, "a spooled event is missing");
  check(t.duplicates === 0, `${t.duplicates} events are stored more than once`);
  check(t.events === t.numbered, `${t.numbered} events were numbered by the agent, ${t.events} are stored`);
  const verdict = integrity(dir);
  check(verdict === "ok", `PRAGMA integrity_check: ${verdict}`);
}

/** Execs on this host for the sensor to see, as long as the case runs. */
function workload(ctx: CaseContext): ChildProcess {
  const child = spawn(
    "/bin/sh",
    ["-c", "i=0; while :; do i=$((i+1)); /bin/true chaos-$i; sleep 0.02; done"],
    {
      stdio: "ignore",
    },
  );
  ctx.defer(() => child.kill("SIGKILL"));
  return child;
}

/** A fresh data directory (under `parent`) with its server on a loopback port (started unless `down`). */
async function serverIn(ctx: CaseContext, parent?: string, down = false) {
  const data = dataDir(parent);
  ctx.defer(data.cleanup);
  const port = await freePort();
  const running: Running[] = [];
  ctx.defer(async () => {
    for (const p of running) await p.stop("SIGKILL");
  });
  const start = async () => {
    const server = await startServer(data.dir, port);
    running.push(server);
    return server;
  };
  const agent = async (
    agentDir: string,
    server = `http://127.0.0.1:${port}`,
    extra: string[] = [],
    env = process.env,
  ) => {
    const started = await startAgent(server, agentDir, data.enrollToken, extra, env);
    running.push(started);
    return started;
  };
  /** Everything the server and agents of the case have logged. */
  const logs = () => running.map((p) => p.output).join("\n");
  return { data, port, server: down ? null : await start(), restart: start, agent, logs };
}

function agentDirOf(ctx: CaseContext, spooled: number): string {
  const dir = spooled > 0 ? spooledAgentDir(spooled) : mkdtempSync(join(tmpdir(), "vigil-agent-"));
  ctx.defer(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const killLoop: ChaosCase = {
  name: "SIGKILL of the server, the agent and the sensor at random points, in a loop",
  async run(ctx) {
    const TOTAL = 200_000;
    const vigil = await serverIn(ctx);
    const agentDir = agentDirOf(ctx, TOTAL);
    let server = vigil.server as Running;
    let agent = await vigil.agent(agentDir);
    workload(ctx);
    const victims = ["server", "agent", "sensor"] as const;
    const rounds = [...victims, ...victims, ...victims].sort(() => ctx.random() - 0.5);
    // Each kill falls at a random point of the ingest: when that share of the spooled events is stored.
    const killAt = rounds.map(() => Math.floor(between(ctx.random, 0.02, 0.9) * TOTAL)).sort((a, b) => a - b);
    for (const [i, victim] of rounds.entries()) {
      const at = killAt[i] ?? 0;
      await until(`${at} events stored`, () => storedSpooled(vigil.data.dir).count >= at, 120_000);
      const stored = storedSpooled(vigil.data.dir).count;
      ctx.step(`round ${i + 1}: SIGKILL the ${victim} (${stored} of ${TOTAL} spooled events stored so far)`);
      if (victim === "server") {
        await server.stop("SIGKILL");
        await sleep(between(ctx.random, 0, 2000));
        server = await vigil.restart();
      } else if (victim === "agent") {
        await agent.stop("SIGKILL");
        agent = await vigil.agent(agentDir);
      } else {
        const restarts = agent.output.match(/the sensor runs again/g)?.length ?? 0;
        process.kill(sensorOf(agent), "SIGKILL");
        await until(
          "the agent to start its sensor again",
          () => (agent.output.match(/the sensor runs again/g)?.length ?? 0) > restarts,
          30_000,
        );
      }
    }
    const marker = `after-the-kills-${process.pid}`;
    execFileSync("/bin/true", [marker]);
    const seen = () => execsWith(vigil.data.dir, marker);
    // Waited for, not looked up once: after its server died the agent retries with a backoff of a few seconds.
    await until("the exec after the last kill (the agent resumes)", () => seen() >= 1, 120_000);
    await expectExactlyOnce(vigil.data.dir, ctx.step, TOTAL);
    const { credential } = JSON.parse(readFileSync(join(agentDir, "agent.json"), "utf8")) as {
      credential: string;
    };
    for (const [name, secret] of Object.entries({ credential, enrollToken: vigil.data.enrollToken }))
      check(!vigil.logs().includes(secret), `the agent's ${name} is in a log of the server or an agent`);
  },
};

const diskFull: ChaosCase = {
  name: "the server's disk fills up during ingest, then space returns",
  async run(ctx) {
    const TOTAL = 100_000;
    const mount = mkdtempSync(join(tmpdir(), "vigil-chaos-disk-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=12m", "tmpfs", mount]);
    ctx.defer(() => {
      execFileSync("umount", ["-l", mount]);
      rmSync(mount, { recursive: true, force: true });
    });
    mkdirSync(join(mount, "data"));
    const vigil = await serverIn(ctx, join(mount, "data"));
    const agent = await vigil.agent(agentDirOf(ctx, TOTAL));
    workload(ctx); // the agent goes on spooling what it sees
    await until(
      "ingest to stop on the full disk",
      () => /retry later|disk|full/i.test(agent.output),
      180_000,
    );
    const stalled = storedSpooled(vigil.data.dir).count;
    ctx.step(`disk full after ${stalled} of ${TOTAL} events; the agent was told: ${lastShipWarning(agent)}`);
    check(stalled < TOTAL, "everything fit: the disk was not full");
    const server = vigil.server as Running;
    check(server.child.exitCode === null, "the server exited on a full disk");
    const verdict = integrity(vigil.data.dir);
    check(verdict === "ok", `PRAGMA integrity_check on the full disk: ${verdict}`);
    await sleep(5000);
    check(server.child.exitCode === null, "the server exited while the disk was full");
    execFileSync("mount", ["-o", "remount,size=512m", mount]);
    ctx.step("space is back (512 MB)");
    await expectExactlyOnce(vigil.data.dir, ctx.step, TOTAL);
  },
};

function lastShipWarning(agent: Running): string {
  const lines = agent.output.split("\n").filter((l) => /"level":"(warn|error)"/.test(l));
  return lines.at(-1)?.slice(0, 300) ?? "(nothing)";
}

const badNetwork: ChaosCase = {
  name: "a slow network that cuts connections and goes dark between agent and server",
  async run(ctx) {
    const TOTAL = 100_000;
    const vigil = await serverIn(ctx);
    const proxy = new FaultyProxy({ host: "127.0.0.1", port: vigil.port }, ctx.random);
    const proxyPort = await proxy.listen();
    ctx.defer(() => proxy.close());
    proxy.faults = { delayMs: 100, cutEvery: 7, blackhole: false };
    await vigil.agent(agentDirOf(ctx, TOTAL), `http://127.0.0.1:${proxyPort}`);
    workload(ctx);
    for (let i = 0; i < 3; i++) {
      await sleep(between(ctx.random, 500, 2500));
      proxy.faults.blackhole = true;
      ctx.step(`dark for 5 s (${storedSpooled(vigil.data.dir).count} of ${TOTAL} stored)`);
      await sleep(5000);
      proxy.faults.blackhole = false;
    }
    await until("half the events", () => storedSpooled(vigil.data.dir).count >= TOTAL / 2, 300_000);
    proxy.faults = { delayMs: 5, cutEvery: 50, blackhole: false };
    await expectExactlyOnce(vigil.data.dir, ctx.step, TOTAL);
    const metrics = await fetch(`http://127.0.0.1:${vigil.port}/metrics`, {
      headers: { authorization: `Bearer ${vigil.data.apiToken}` },
    }).then((r) => r.text());
    const resent = Number(metrics.match(/vigil_ingest_events_total\{result="duplicate"\} (\d+)/)?.[1] ?? 0);
    const { connections, cut, swallowed } = proxy.counts;
    ctx.step(
      `proxy: ${connections} connections, ${cut} cut, ${swallowed} swallowed; ${resent} events resent`,
    );
    check(cut > 0 && swallowed > 0, "the proxy injected no faults");
  },
};

const spoolFull: ChaosCase = {
  name: "the agent's spool fills while its server is away: the oldest events go, counted and reported",
  async run(ctx) {
    const vigil = await serverIn(ctx, undefined, true);
    const agent = await vigil.agent(agentDirOf(ctx, 0), undefined, ["--spool-max-mb", "1"]);
    const EXECS = 4000;
    execFileSync("/bin/sh", [
      "-c",
      `i=0; while [ $i -lt ${EXECS} ]; do i=$((i+1)); /bin/true spool-$i-end; done`,
    ]);
    await until("the spool to drop events", () => /dropped the \d+ oldest events/.test(agent.output), 60_000);
    const said = () =>
      [...agent.output.matchAll(/dropped the (\d+) oldest events/g)].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
    ctx.step(`the agent says it dropped ${said()} events so far; the server comes up`);
    await vigil.restart();
    const stored = (i: number) => execsWith(vigil.data.dir, `"spool-${i}-end"`);
    await until("the newest exec", () => stored(EXECS) > 0, 120_000);
    await until("an empty spool", () => tally(vigil.data.dir).spoolDepth === 0, 60_000);
    check(stored(1) === 0, "the oldest exec is stored: the spool did not drop the oldest");
    const dropped = said();
    await until(
      "a heartbeat with the drops",
      () => hostHealth(vigil.data.dir).drops?.spool === dropped,
      30_000,
    ).catch((error) => {
      throw new Error(`${error.message}: ${JSON.stringify(hostHealth(vigil.data.dir))}`);
    });
    await until("the fleet's host-drops alert", () => alertsOf(vigil.data.dir, "host-drops") === 1, 40_000);
    const t = tally(vigil.data.dir);
    ctx.step(`stored ${t.events}, numbered ${t.numbered}, dropped ${dropped}; host-drops alert raised`);
    check(t.events === t.numbered - dropped, "stored + dropped is not what the agent numbered");
    check(t.duplicates === 0, `${t.duplicates} events are stored more than once`);
  },
};

const ringOverflow: ChaosCase = {
  name: "the kernel's ring buffer overflows: the drops are counted, shipped and alerted on",
  async run(ctx) {
    const vigil = await serverIn(ctx);
    const agent = await vigil.agent(agentDirOf(ctx, 0), undefined, ["--ringbuf-mb", "1"]);
    const exe = join(mkdtempSync(join(tmpdir(), "vigil-chaos-")), `storm-${process.pid}`);
    ctx.defer(() => rmSync(dirname(exe), { recursive: true, force: true }));
    copyFileSync("/bin/true", exe);
    const sensor = sensorOf(agent);
    process.kill(sensor, "SIGSTOP"); // nobody reads the ring buffer: it fills up
    try {
      execFileSync(join(repoRoot, "bpf", "build", "exec-storm"), ["5000", exe]);
    } finally {
      process.kill(sensor, "SIGCONT");
    }
    const health = () => hostHealth(vigil.data.dir);
    await until("a heartbeat with the kernel's drops", () => (health().drops?.exec ?? 0) > 0, 30_000);
    const seen = () =>
      readDb(vigil.data.dir, (db) =>
        db
          .prepare(
            "SELECT count(*) FROM events e JOIN programs p ON p.id = e.program_id WHERE e.type = 0 AND p.exe = ?",
          )
          .pluck()
          .get(exe),
      ) as number;
    await until("a quiet spool", () => tally(vigil.data.dir).spoolDepth === 0, 60_000);
    const dropped = health().drops?.exec ?? 0;
    ctx.step(`of 5000 execs: ${seen()} stored, ${dropped} dropped by the kernel (host-wide)`);
    check(seen() < 5000, "every exec arrived: the ring buffer did not overflow");
    check(seen() + dropped >= 5000, "execs are missing that no drop count accounts for");
    check(
      /the kernel dropped \d+ records/.test(agent.output),
      "the agent did not say the kernel dropped records",
    );
    await until("the fleet's host-drops alert", () => alertsOf(vigil.data.dir, "host-drops") === 1, 40_000);
  },
};

const clockSkew: ChaosCase = {
  name: "a host whose clock is 2 h ahead of the server's: events keep its time, the server its own",
  async run(ctx) {
    const vigil = await serverIn(ctx);
    const AHEAD_MS = 2 * 3600_000;
    // libfaketime moves the wall clock of the agent and its sensor; the kernel's boot clock stays true.
    const wrongClock = {
      ...process.env,
      LD_PRELOAD: "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
      FAKETIME: "+2h",
      FAKETIME_DONT_FAKE_MONOTONIC: "1",
    };
    await vigil.agent(agentDirOf(ctx, 0), undefined, [], wrongClock);
    const marker = `skewed-${process.pid}`;
    const ranMs = Date.now();
    execFileSync("/bin/true", [marker]);
    const stored = () =>
      readDb(vigil.data.dir, (db) =>
        db
          .prepare(
            `SELECT e.time_ns AS timeNs, (SELECT received_ms FROM arrivals a WHERE a.seq <= e.seq
               ORDER BY a.seq DESC LIMIT 1) AS receivedMs
             FROM events e JOIN programs p ON p.id = e.program_id WHERE e.type = 0 AND p.argv LIKE ?`,
          )
          .safeIntegers(true)
          .get(`%${marker}%`),
      ) as { timeNs: bigint; receivedMs: bigint } | undefined;
    await until("the exec", () => stored() !== undefined, 60_000);
    const { timeNs, receivedMs } = stored() as { timeNs: bigint; receivedMs: bigint };
    const eventAheadMs = Number(timeNs / 1_000_000n) - ranMs;
    const receivedAfterMs = Number(receivedMs) - ranMs;
    ctx.step(`event time ${eventAheadMs} ms after it ran; received ${receivedAfterMs} ms after it ran`);
    check(Math.abs(eventAheadMs - AHEAD_MS) < 10_000, "the event does not carry the host's (wrong) time");
    check(
      receivedAfterMs > -1000 && receivedAfterMs < 10_000,
      "the server did not keep its own receive time",
    );
    const skewMs = () => hostHealth(vigil.data.dir).clockSkewMs ?? null;
    await until("a heartbeat with the host's clock", () => skewMs() !== null, 30_000);
    ctx.step(`the fleet sees the host's clock ${skewMs()} ms ahead`);
    check(Math.abs((skewMs() ?? 0) - AHEAD_MS) < 10_000, "the fleet does not see how far the clock is off");
    await until("the host-clock-skew alert", () => alertsOf(vigil.data.dir, "host-clock-skew") === 1, 40_000);
  },
};

export const cases: ChaosCase[] = [killLoop, diskFull, badNetwork, spoolFull, ringOverflow, clockSkew];
