// npm run fleet:sim -- --server URL --enroll-token T [--hosts 500] [--rate 40] [--duration S] [--lsm-share 0.5]
import { parseArgs } from "node:util";
import { percentile, SimulatedFleet } from "./fleet";

const { values } = parseArgs({
  options: {
    server: { type: "string", default: "http://127.0.0.1:3000" },
    "enroll-token": { type: "string" },
    hosts: { type: "string", default: "500" },
    rate: { type: "string", default: "40" },
    duration: { type: "string" },
    prefix: { type: "string", default: "sim" },
    "lsm-share": { type: "string", default: "0.5" },
    "ship-s": { type: "string", default: "1" },
    "heartbeat-s": { type: "string", default: "10" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});

const usage = `usage: npm run fleet:sim -- --enroll-token TOKEN [options]
Simulates many hosts speaking the real agent protocol (enroll, events, heartbeats, policy acks) against a server.
  --server URL        the console's URL (default http://127.0.0.1:3000)
  --enroll-token T    an enrollment token with enough uses (vigil enroll-token create); its labels go to every host
  --hosts N           simulated hosts (default 500)
  --rate R            events per second from each host (default 40)
  --duration S        stop after S seconds (default: run until Ctrl-C)
  --prefix P          host names P-0001, P-0002, ... (default sim)
  --lsm-share F       the share of hosts that report lsm mode, 0-1 (default 0.5)
  --ship-s S          seconds between a host's shipments (default 1); --heartbeat-s S (default 10)
  --json              also print the totals as one JSON object per line on stdout (every 10 s, on SIGUSR2 after
                      forgetting the latencies measured so far, and at the end)`;

const numbers = {
  hosts: Number(values.hosts),
  rate: Number(values.rate),
  lsmShare: Number(values["lsm-share"]),
  shipS: Number(values["ship-s"]),
  heartbeatS: Number(values["heartbeat-s"]),
};
const wrong = Object.entries(numbers).find(([, n]) => !Number.isFinite(n) || n < 0);
if (values.help || !values["enroll-token"] || wrong) {
  if (wrong) console.error(`fleet-sim: --${wrong[0]} must be a number >= 0`);
  else if (!values.help) console.error("fleet-sim: --enroll-token is required");
  console.error(usage);
  process.exit(values.help ? 0 : 2);
}

const fleet = await SimulatedFleet.start({
  ...numbers,
  server: values.server,
  enrollToken: values["enroll-token"] as string,
  prefix: values.prefix,
  progress: (line) => console.error(line),
});
const started = Date.now();
const report = () => {
  const t = fleet.totals();
  if (values.json) {
    const { batchMs, freshnessMs, ...counts } = t;
    const line = {
      ...counts,
      batchP95Ms: percentile(batchMs, 95),
      freshnessP99Ms: percentile(freshnessMs, 99),
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
  const seconds = (Date.now() - started) / 1000;
  console.error(
    `fleet-sim: ${t.accepted.toLocaleString()} events accepted (${Math.round(t.accepted / seconds).toLocaleString()}/s), ` +
      `backlog ${t.backlog.toLocaleString()}, batch p95 ${percentile(t.batchMs, 95).toFixed(0)} ms, ` +
      `${t.retries} busy retries, ${t.failures} failures`,
  );
};
const every = setInterval(report, 10_000);
const stop = async () => {
  clearInterval(every);
  await fleet.stop();
  report();
  process.exit(0);
};
process.on("SIGUSR2", () => {
  fleet.resetLatencies();
  report();
});
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
if (values.duration) setTimeout(stop, Number(values.duration) * 1000);
