import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import { doctor } from "./commands/doctor";
import { run } from "./commands/run";
import { tail } from "./commands/tail";
import { env } from "./env";
import { serverUrlProblem, serverUrls } from "./ship/server-url";

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a positive number");
  return n;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError("expected a port, 1-65535");
  return n;
}

const program = new Command("vigil-agent").description("Vigil's per-host agent").showHelpAfterError();

program
  .command("tail")
  .description("stream this host's security events (exec, unlink of running binaries, ptrace, memory writes)")
  .option("--json", "one event JSON object per line", false)
  .option("--duration <seconds>", "stop after this many seconds", positiveNumber)
  .addOption(
    new Option("--mode <mode>", "sensor mode").choices(["auto", "lsm", "tracepoint"]).default("auto"),
  )
  .option("--ringbuf-mb <n>", "kernel ring buffer size in MiB (a power of two)", positiveNumber)
  .action(async (options) => {
    process.exitCode = await tail(options);
  });

program
  .command("run")
  .description("ship this host's events to a Vigil server, through a durable local spool")
  .option(
    "--server <urls>",
    "the Vigil server, e.g. https://vigil.example:3000, or several of one cluster, comma-separated: the agent moves to the next when one cannot be reached (or VIGIL_SERVER)",
    env.server,
  )
  .option(
    "--ca-file <path>",
    "PEM certificates of the authorities that sign the server's certificate, instead of the system's (or VIGIL_CA_FILE)",
    env.caFile,
  )
  .option(
    "--allow-plaintext",
    "allow an http:// server on another host: credential and events unencrypted (or VIGIL_ALLOW_PLAINTEXT=1)",
    env.allowPlaintext,
  )
  .option("--enroll-token <token>", "enrollment token, used once (or VIGIL_ENROLL_TOKEN)", env.enrollToken)
  .option("--enroll-token-file <path>", "read the enrollment token from this file")
  .option("--data-dir <dir>", "credential and spool (or VIGIL_AGENT_DATA)", env.dataDir)
  .option(
    "--spool-max-mb <n>",
    "spool size limit; beyond it the oldest events are dropped and counted",
    positiveNumber,
    512,
  )
  .option("--heartbeat-s <n>", "seconds between heartbeats", positiveNumber, 10)
  .option(
    "--metrics-port <port>",
    "serve Prometheus metrics at http://127.0.0.1:PORT/metrics (off by default)",
    port,
  )
  .addOption(
    new Option("--mode <mode>", "sensor mode").choices(["auto", "lsm", "tracepoint"]).default("auto"),
  )
  .option("--ringbuf-mb <n>", "kernel ring buffer size in MiB (a power of two)", positiveNumber)
  .action(async (options) => {
    if (!options.server)
      program.error("vigil-agent run: --server URL (or VIGIL_SERVER) is required", { exitCode: 2 });
    for (const url of serverUrls(options.server)) {
      const problem = serverUrlProblem(url, options.allowPlaintext);
      if (problem) program.error(`vigil-agent run: ${problem}`, { exitCode: 2 });
    }
    if (options.caFile) {
      try {
        options.ca = readFileSync(options.caFile, "utf8");
      } catch (error) {
        program.error(`vigil-agent run: cannot read --ca-file: ${(error as Error).message}`, { exitCode: 2 });
      }
    }
    if (options.enrollTokenFile) {
      try {
        options.enrollToken = readFileSync(options.enrollTokenFile, "utf8").trim();
      } catch (error) {
        program.error(`vigil-agent run: cannot read --enroll-token-file: ${(error as Error).message}`, {
          exitCode: 2,
        });
      }
    }
    process.exitCode = await run(options);
  });

program
  .command("doctor")
  .description("report the kernel, BTF, LSMs, and which sensor mode this host supports, and why")
  .option("--json", "as one JSON object", false)
  .action((options) => {
    process.exitCode = doctor(options);
  });

await program.parseAsync();
