import { Command, InvalidArgumentError, Option } from "commander";
import { doctor } from "./commands/doctor";
import { tail } from "./commands/tail";

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a positive number");
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
  .command("doctor")
  .description("report the kernel, BTF, LSMs, and which sensor mode this host supports, and why")
  .option("--json", "as one JSON object", false)
  .action((options) => {
    process.exitCode = doctor(options);
  });

await program.parseAsync();
