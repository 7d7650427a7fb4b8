// npm run bench:judge [-- --json] [--events N]: what judging events against the published policies costs the agent,
// per event, against the same events with no policy (the agent's fast path) in the same run.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { EventType } from "@vigil/events";
import { validEvent } from "@vigil/events/fixtures";
import { bundleHash } from "@vigil/policy/bundle";
import { AppliedPolicies } from "../src/policy/applied-policies";

const templates = join(import.meta.dirname, "..", "..", "packages", "policy", "templates");
const { values } = parseArgs({
  options: { json: { type: "boolean", default: false }, events: { type: "string", default: "200000" } },
});
const count = Number(values.events);

// A stream like a host's: mostly execs of many programs, some deletions, ptrace and memory writes.
const types: EventType[] = [
  "exec",
  "exec",
  "exec",
  "exec",
  "exec",
  "exec",
  "unlink_running",
  "ptrace",
  "mem_write",
];
const lines = Array.from({ length: 1000 }, (_, i) => {
  const type = types[i % types.length] as EventType;
  const event = validEvent(type) as { process: { exe: string; argv: string[] } };
  event.process.exe = `/usr/bin/tool-${i % 97}`;
  event.process.argv = [event.process.exe, "--flag", `arg-${i}`];
  return { type, line: Buffer.from(JSON.stringify(event)) };
});

function perEventUs(applied: AppliedPolicies): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const { type, line } = lines[i % lines.length] as { type: EventType; line: Buffer };
    applied.judge(type, line);
  }
  return Number(process.hrtime.bigint() - started) / 1000 / count;
}

const none = new AppliedPolicies();
const all = new AppliedPolicies();
const policies = readdirSync(templates)
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => ({ name: f.slice(0, -5), version: 1, yaml: readFileSync(join(templates, f), "utf8") }));
await all.apply({ hash: bundleHash(policies), policies });
if (all.error) throw new Error(all.error);

perEventUs(none); // warm up both paths
perEventUs(all);
const baseline = perEventUs(none);
const judged = perEventUs(all);
const result = {
  events: count,
  policies: policies.length,
  noPolicyUsPerEvent: Number(baseline.toFixed(3)),
  judgedUsPerEvent: Number(judged.toFixed(3)),
  eventsPerSecondJudged: Math.round(1e6 / judged),
  ratio: Number((judged / baseline).toFixed(1)),
};
if (values.json) console.log(JSON.stringify(result));
else
  console.log(
    `${count} events, ${policies.length} policies: ${result.judgedUsPerEvent} µs/event judged ` +
      `(${result.eventsPerSecondJudged}/s), ${result.noPolicyUsPerEvent} µs with no policy (ratio ${result.ratio})`,
  );
