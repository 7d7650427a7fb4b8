"use client";
import { useMutation } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import type { BacktestProgress, BacktestResult } from "@vigil/api";
import Link from "next/link";
import { useState } from "react";
import { printable } from "@/components/printable";
import { useTRPC } from "@/trpc/react";

const ranges = { "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 } as const;
type Range = keyof typeof ranges;

function would(action: string, mode: string): string {
  if (action === "alert") return "would alert";
  return mode === "enforce" ? "would deny" : "would report (audit)";
}

/** Runs the draft over stored events and shows what it would have done, per rule and host, with examples. */
export function BacktestPanel({ yaml, ready }: { yaml: string; ready: boolean }) {
  const trpc = useTRPC();
  const [range, setRange] = useState<Range>("24h");
  const [job, setJob] = useState<string | null>(null);
  const [progress, setProgress] = useState<BacktestProgress | null>(null);
  const [result, setResult] = useState<BacktestResult | null>(null);
  const start = useMutation(
    trpc.policies.backtest.mutationOptions({
      onSuccess: ({ id }) => setJob(id),
    }),
  );
  const stream = useSubscription(
    trpc.policies.backtestProgress.subscriptionOptions(
      { id: job ?? "" },
      {
        enabled: job !== null,
        onData: (message) => {
          if ("progress" in message) setProgress(message.progress);
          else {
            setResult(message.result);
            setJob(null);
          }
        },
        onError: () => setJob(null),
      },
    ),
  );
  const run = () => {
    setResult(null);
    setProgress(null);
    const untilMs = Date.now();
    start.mutate({ yaml, sinceMs: untilMs - ranges[range], untilMs });
  };
  const running = start.isPending || job !== null;
  return (
    <section className="panel backtest" aria-label="Back-test">
      <h2>Back-test</h2>
      <div className="row">
        <label>
          Over the last{" "}
          <select value={range} onChange={(e) => setRange(e.target.value as Range)}>
            {Object.keys(ranges).map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <button type="button" onClick={run} disabled={!ready || running}>
          {running ? "Back-testing…" : "Run back-test"}
        </button>
        {!ready && <span className="muted">Fix the problems first.</span>}
      </div>
      {running && progress && (
        <p>
          <progress value={progress.done} max={progress.total} /> {progress.step}: {progress.done} of{" "}
          {progress.total}
        </p>
      )}
      {(start.error ?? stream.error) && (
        <p role="alert" className="error">
          Back-test failed: {(start.error ?? stream.error)?.message}
        </p>
      )}
      {result && <BacktestReport result={result} />}
    </section>
  );
}

function BacktestReport({ result }: { result: BacktestResult }) {
  return (
    <div className="report">
      <p>
        Judged {result.examined.toLocaleString()} events on {result.hosts.selected} of {result.hosts.total}{" "}
        hosts (the policy&apos;s selector);{" "}
        {result.rules.length === 0 ? "no rule would have acted." : "rules that would have acted:"}
      </p>
      {result.rules.map((rule) => (
        <article key={rule.rule} className={`rule-result verdict-${rule.action}`}>
          <h3>
            {rule.rule} <span className="badge">{would(rule.action, result.mode)}</span>{" "}
            <span className="badge">{rule.severity}</span> {rule.count.toLocaleString()}{" "}
            {rule.count === 1 ? "event" : "events"}
          </h3>
          <p className="muted">
            {rule.hosts.map((h) => `${printable(h.name)} ${h.count.toLocaleString()}`).join(" · ")}
          </p>
          <ul>
            {rule.examples.map(({ event, message }) => (
              <li key={event.id}>
                <Link
                  href={`/events?${new URLSearchParams({ range: "all", host: event.host.name, pid: String(event.process.pid), type: event.type })}`}
                >
                  {printable(message)}
                </Link>
              </li>
            ))}
          </ul>
        </article>
      ))}
    </div>
  );
}
