/**
 * The enforcement suite (`npm run test:vm`). Our machines cannot load BPF LSM programs, so this compiles the KRSI
 * policy templates (and an exec rule) to kernel generations, boots a Debian kernel with lsm=...,bpf under QEMU
 * (run.sh), where init applies them in audit mode, then enforcing, then none, and runs the actions they judge.
 * Each check reads the actions' outcomes from the console and the sensor's records; the last line printed is
 * `N passed, M failed`.
 */
import { spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compileKernelPlan, globToRegExp, type KernelPlan, parsePolicy, planCommands } from "@vigil/policy";
import { readTemplates } from "@vigil/policy/templates";
import { FrameReader } from "../../../agent/src/decode/frames";
import { decodeRecord, type KernelDecision, type KernelRecord } from "../../../agent/src/decode/records";

const bpfDir = join(import.meta.dirname, "..", "..");
const repoRoot = join(bpfDir, "..");
const plansDir = join(bpfDir, "build", "vm", "plans");
const consoleLog = join(bpfDir, "build", "vm", "console.log");

/** The files init creates in the VM: all the policies' patterns can name there. */
const vmFiles = [
  "/usr/bin/gdb",
  "/usr/bin/vigil-protected",
  "/usr/bin/vigil-audit-victim",
  "/usr/bin/vigil-replacement",
  "/tmp/payload",
  "/tmp/other",
  "/tmp/attacker",
  "/tmp/unprotected",
];

const payloadPolicy = `apiVersion: vigil/v1
kind: Policy
name: vm-no-payload
mode: audit
rules:
  - id: no-payload
    on: exec
    action: deny
    severity: high
    when: { file.path: ["/tmp/payload"] }
  - id: no-drops
    on: exec
    action: deny
    severity: high
    when: { file.path: ["/tmp/drops/**"] }
`;

/** A generation the sensor must refuse (no event type 9), sent while generation 2 is in force. */
const refusedPlan = ["begin 3", "rule 9 0 deny enforce 0 2 0", "commit"];

const templates = ["protect-running-binaries", "ptrace-only-debuggers", "no-foreign-memory-writes"];

/** Generation 1: the policies in audit mode; 2: enforcing; 3: none. */
function writePlans(): Map<number, KernelPlan> {
  const texts = [
    ...readTemplates(join(repoRoot, "packages", "policy", "templates"))
      .filter((t) => templates.includes(t.file))
      .map((t) => t.yaml),
    payloadPolicy,
  ];
  const parsed = texts.map((yaml) => {
    const result = parsePolicy(yaml);
    if (!result.ok) throw new Error(`a suite policy does not parse: ${JSON.stringify(result.errors)}`);
    return result.policy;
  });
  // The audit-mode check deletes the audit victim: the later generations are compiled without it.
  const filesAt = (generation: number) =>
    vmFiles.filter((file) => generation === 1 || file !== "/usr/bin/vigil-audit-victim");
  const plans = new Map<number, KernelPlan>();
  const generations = [
    { generation: 1, mode: "audit" as const, policies: parsed },
    { generation: 2, mode: "enforce" as const, policies: parsed },
    { generation: 3, mode: "enforce" as const, policies: [] },
  ];
  rmSync(plansDir, { recursive: true, force: true });
  mkdirSync(plansDir, { recursive: true });
  for (const { generation, mode, policies } of generations) {
    const list = policies.map((policy) => ({
      policy: { ...policy, mode },
      id: policy.name,
      version: generation,
    }));
    const expand = (pattern: string) =>
      filesAt(generation).filter((file) => globToRegExp(pattern).test(file));
    const compiled = compileKernelPlan(list, { name: "vigil-vm" }, expand);
    if (!compiled.ok) throw new Error(`the suite's policies do not compile: ${compiled.error}`);
    plans.set(generation, compiled.plan);
    writeFileSync(
      join(plansDir, `${generation}.plan`),
      `${planCommands(compiled.plan, generation).join("\n")}\n`,
    );
  }
  writeFileSync(join(plansDir, "refused.plan"), `${refusedPlan.join("\n")}\n`);
  return plans;
}

function boot(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [join(bpfDir, "test", "vm", "run.sh")], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let console = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      console += text;
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolve(console.replaceAll("\r", ""))
        : reject(new Error(`run.sh exited with ${code}:\n${console.slice(-3000)}`)),
    );
  });
}

function between(text: string, begin: string, end: string): string {
  const from = text.indexOf(begin);
  const to = text.indexOf(end, from);
  if (from === -1 || to === -1)
    throw new Error(`the VM did not print ${begin}..${end}:\n${text.slice(-3000)}`);
  return text.slice(from + begin.length, to);
}

type Check = { name: string; run: () => string | null };

/** What the VM printed and recorded, and the questions checks ask of it. */
class Run {
  readonly records: KernelRecord[] = [];
  readonly badFrames: string[] = [];
  private readonly outcomes = new Map<string, string>();

  constructor(
    readonly console: string,
    private readonly plans: Map<number, KernelPlan>,
  ) {
    for (const [, label, outcome] of console.matchAll(/^VIGIL-RESULT (\S+) (\S+)$/gm))
      this.outcomes.set(label as string, outcome as string);
    const reader = new FrameReader({
      record: (buf, start, end) => this.records.push(decodeRecord(buf, start, end)),
      error: (error) => this.badFrames.push(error),
    });
    reader.push(Buffer.from(between(console, "VIGIL-FRAMES-BEGIN", "VIGIL-FRAMES-END"), "base64"));
    reader.end();
  }

  plan(generation: number): KernelPlan {
    const plan = this.plans.get(generation);
    if (!plan) throw new Error(`no generation ${generation}`);
    return plan;
  }

  outcome(label: string): string {
    return this.outcomes.get(label) ?? "(no result printed)";
  }

  /** The process that ran the action `label` (its first exec names the label in argv[1]). */
  pidOf(label: string): number | undefined {
    const exec = this.records.find((r) => r.kind === "exec" && r.argv[1] === label);
    return exec?.header.pid;
  }

  /** The records the action's process wrote of a kind. */
  recordsOf<K extends KernelRecord["kind"]>(label: string, kind: K): Extract<KernelRecord, { kind: K }>[] {
    const pid = this.pidOf(label);
    return this.records.filter(
      (r): r is Extract<KernelRecord, { kind: K }> => r.kind === kind && r.header.pid === pid,
    );
  }

  /** "verdict policy/rule" for a decision about a record of `kind`, or "none". */
  describe(kind: keyof typeof ruleTypes, decision: KernelDecision): string {
    if (!decision) return "none";
    const rule = this.plans
      .get(decision.generation)
      ?.rules.find((r) => r.slot === decision.rule && r.on === ruleTypes[kind]);
    return `${decision.verdict} ${rule ? `${rule.policy.id}/${rule.policy.rule}` : `slot ${decision.rule}`}`;
  }
}

const ruleTypes = {
  exec: "exec",
  unlink: "unlink_running",
  ptrace: "ptrace",
  mem_write: "mem_write",
} as const;

/** The action had this outcome, and its record of `kind` (matching `which`) carries this decision. */
function judged<K extends "exec" | "unlink" | "ptrace" | "mem_write">(
  run: Run,
  label: string,
  outcome: string,
  kind: K,
  which: (record: Extract<KernelRecord, { kind: K }>) => boolean,
  decision: string,
): string | null {
  const problems: string[] = [];
  if (run.outcome(label) !== outcome)
    problems.push(`${label} ended ${run.outcome(label)}, expected ${outcome}`);
  const records = run.recordsOf(label, kind).filter(which);
  if (records.length === 0) problems.push(`no ${kind} record from ${label} (pid ${run.pidOf(label)})`);
  const seen = records.map((r) => run.describe(kind, (r as { decision: KernelDecision }).decision));
  if (records.length > 0 && !seen.includes(decision))
    problems.push(`${label}'s ${kind} record says ${seen.join(", ")}, expected ${decision}`);
  return problems.length ? problems.join("; ") : null;
}

function checks(run: Run): Check[] {
  const exe = (path: string) => (r: { exe: { path: string } }) => r.exe.path === path;
  const path = (p: string) => (r: { path: string }) => r.path === p;
  const any = () => true;
  const ptraceRule = "ptrace-only-debuggers/only-debuggers-attach";
  const memRule = "no-foreign-memory-writes/no-foreign-mem-write";
  const unlinkRule = "protect-running-binaries/no-delete-running-system-binary";
  const acks = run.records.filter((r) => r.kind === "policy");
  return [
    {
      name: "bpf is in the guest's LSM list",
      run: () => (/VIGIL-LSM-LIST .*\bbpf\b/.test(run.console) ? null : "no bpf in the LSM list"),
    },
    {
      name: "the sensor runs in lsm mode: its programs loaded and the canary hook fired",
      run: () => {
        const hello = run.records[0];
        if (!/VIGIL-PROBE \{"mode":"lsm","reason":"BPF LSM active .*canary fired"\}/.test(run.console))
          return "the probe did not pick lsm mode";
        if (hello?.kind !== "hello" || hello.mode !== "lsm")
          return "the stream does not start with an lsm hello";
        return run.badFrames.length ? `bad frames: ${run.badFrames.join("; ")}` : null;
      },
    },
    {
      name: "the sensor applied generations 1 (audit), 2 (enforce) and 3 (none) at run time, and refused a bad one",
      run: () => {
        const answered = acks.map((a) => `${a.generation}:${a.error}:${a.message}:${a.rules}:${a.missing}`);
        const applied = (g: number) => `${g}:0::${run.plan(g).rules.length}:0`;
        const refused = "3:-22:policy line 2: '9' is not an event type code (1, 4, 5 or 6):0:0";
        const expected = [applied(1), applied(2), refused, applied(3)];
        return JSON.stringify(answered) === JSON.stringify(expected)
          ? null
          : `answers ${JSON.stringify(answered)}, expected ${JSON.stringify(expected)}`;
      },
    },
    {
      name: "observes an exec with its exe and argv",
      run: () =>
        run.records.some(
          (r) =>
            r.kind === "exec" &&
            r.exe.path === "/tmp/busybox-probe" &&
            r.argv.join(" ") === "/tmp/busybox-probe true",
        )
          ? null
          : "no exec record of /tmp/busybox-probe true",
    },
    {
      name: "observes the deletion of a running binary, with no policy in force",
      run: () => {
        const unlinks = run.records.filter(
          (r): r is Extract<KernelRecord, { kind: "unlink" }> =>
            r.kind === "unlink" && r.path === "/busybox-victim",
        );
        const ok = unlinks.length === 1 && unlinks[0]?.running === 1 && unlinks[0]?.decision === null;
        return ok
          ? null
          : `unlink records of /busybox-victim: ${JSON.stringify(unlinks.map((u) => u.running))}`;
      },
    },
    {
      name: "audit mode allows a denied exec and reports it as audit",
      run: () =>
        judged(run, "audit-exec", "0", "exec", exe("/tmp/payload"), "audit vm-no-payload/no-payload"),
    },
    {
      name: "audit mode allows deleting a running protected binary and reports it as audit",
      run: () =>
        judged(
          run,
          "audit-unlink",
          "0",
          "unlink",
          path("/usr/bin/vigil-audit-victim"),
          `audit ${unlinkRule}`,
        ),
    },
    {
      name: "audit mode allows PTRACE_ATTACH by a non-debugger and reports it as audit",
      run: () => judged(run, "audit-attach", "0", "ptrace", any, `audit ${ptraceRule}`),
    },
    {
      name: "audit mode allows process_vm_writev and /proc/PID/mem writes and reports them as audit",
      run: () =>
        judged(run, "audit-vm-write", "0", "mem_write", any, `audit ${memRule}`) ??
        judged(run, "audit-mem-write", "0", "mem_write", any, `audit ${memRule}`),
    },
    {
      name: "audit mode allows a program created after the policy under a denied directory, reported as audit",
      run: () =>
        judged(run, "audit-drop", "0", "exec", exe("/tmp/drops/audit-drop"), "audit vm-no-payload/no-drops"),
    },
    {
      name: "audit verdicts were reported (the LSM programs are attached and decide)",
      run: () => {
        const audits = run.records.filter((r) => "decision" in r && r.decision?.verdict === "audit").length;
        return audits > 0 ? null : "no record carries an audit verdict";
      },
    },
    {
      name: "enforce mode denies exec of a denied binary with EPERM",
      run: () =>
        judged(run, "enforce-exec", "EPERM", "exec", exe("/tmp/payload"), "denied vm-no-payload/no-payload"),
    },
    {
      name: "enforce mode denies exec of a program created after the policy under a denied directory with EPERM",
      run: () =>
        judged(run, "enforce-drop", "EPERM", "exec", exe("/tmp/drops/late"), "denied vm-no-payload/no-drops"),
    },
    {
      name: "enforce mode denies unlink of a running protected binary with EPERM",
      run: () =>
        judged(
          run,
          "enforce-unlink",
          "EPERM",
          "unlink",
          path("/usr/bin/vigil-protected"),
          `denied ${unlinkRule}`,
        ),
    },
    {
      name: "enforce mode denies rename over a running protected binary with EPERM",
      run: () =>
        judged(
          run,
          "enforce-rename",
          "EPERM",
          "unlink",
          (r) => r.op === "rename" && r.path === "/usr/bin/vigil-protected",
          `denied ${unlinkRule}`,
        ),
    },
    {
      name: "enforce mode denies PTRACE_ATTACH by a non-allowed tracer with EPERM",
      run: () =>
        judged(run, "enforce-attach", "EPERM", "ptrace", (r) => r.request === 16n, `denied ${ptraceRule}`),
    },
    {
      name: "enforce mode denies process_vm_writev into a protected process with EPERM",
      run: () =>
        judged(
          run,
          "enforce-vm-write",
          "EPERM",
          "mem_write",
          (r) => r.method === "process_vm_writev",
          `denied ${memRule}`,
        ),
    },
    {
      name: "enforce mode denies writing through /proc/PID/mem into a protected process with EPERM",
      run: () =>
        judged(
          run,
          "enforce-mem-write",
          "EPERM",
          "mem_write",
          (r) => r.method === "proc_mem",
          `denied ${memRule}`,
        ),
    },
    {
      name: "enforce mode: exec of another binary still works",
      run: () => judged(run, "enforce-exec-other", "0", "exec", any, "none"),
    },
    {
      name: "enforce mode: deleting a running binary outside the protected paths still works",
      run: () => judged(run, "enforce-unlink-unprotected", "0", "unlink", path("/unprotected"), "none"),
    },
    {
      name: "enforce mode: an allowed debugger still attaches",
      run: () => judged(run, "enforce-attach-debugger", "0", "ptrace", any, "none"),
    },
    {
      name: "enforce mode: a process still writes its own memory through /proc/self/mem",
      run: () =>
        run.outcome("enforce-mem-write-self") === "0" ? null : run.outcome("enforce-mem-write-self"),
    },
    {
      name: "a generation the sensor refused left the one in force: exec of the denied binary still fails",
      run: () =>
        judged(
          run,
          "enforce-exec-after-refused",
          "EPERM",
          "exec",
          exe("/tmp/payload"),
          "denied vm-no-payload/no-payload",
        ),
    },
    {
      name: "with the policies removed the denied binary runs again",
      run: () => judged(run, "none-exec", "0", "exec", exe("/tmp/payload"), "none"),
    },
  ];
}

async function main(): Promise<number> {
  const plans = writePlans();
  const console = await boot();
  writeFileSync(consoleLog, console);
  const run = new Run(console, plans);
  let passed = 0;
  let failed = 0;
  for (const check of checks(run)) {
    let problem: string | null;
    try {
      problem = check.run();
    } catch (error) {
      problem = (error as Error).message;
    }
    if (problem === null) passed++;
    else failed++;
    process.stdout.write(problem === null ? `ok    ${check.name}\n` : `FAIL  ${check.name}: ${problem}\n`);
  }
  if (failed > 0) {
    process.stdout.write(
      `\nsensor log:\n${between(console, "VIGIL-SENSOR-LOG-BEGIN", "VIGIL-SENSOR-LOG-END")}\n`,
    );
    process.stdout.write(`the VM's whole console: ${consoleLog}\n`);
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`vm suite: ${(error as Error).message}\n`);
    process.stdout.write("0 passed, 1 failed\n");
    process.exit(1);
  },
);
