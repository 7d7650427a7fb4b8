import { randomBytes } from "node:crypto";
import type { EventStore, Store } from "@vigil/db";
import { DomainError, notFound } from "../errors";
import { type BacktestProgress, type BacktestResult, backtest } from "./backtest";

type Job = {
  owner: string;
  progress: BacktestProgress | null;
  result?: BacktestResult;
  error?: Error;
  changed: Set<() => void>;
  abort: AbortController;
};

/** How long a finished back-test stays readable, and how many run at once at most. */
const KEEP_MS = 10 * 60 * 1000;
const MAX_RUNNING = 4;

/**
 * Back-tests running on this server, by id: a draft can be larger than a URL, so it is sent once (start) and the
 * progress is followed separately (watch). Only the analyst who started one may follow it.
 */
export class BacktestJobs {
  private readonly jobs = new Map<string, Job>();

  start(store: Store, events: EventStore, owner: string, input: Parameters<typeof backtest>[2]): string {
    const running = [...this.jobs.values()].filter((j) => !j.result && !j.error).length;
    if (running >= MAX_RUNNING)
      throw new DomainError(429, `${running} back-tests are running; try again when one has finished`, {
        retryAfterS: 5,
      });
    const id = randomBytes(12).toString("hex");
    const job: Job = { owner, progress: null, changed: new Set(), abort: new AbortController() };
    this.jobs.set(id, job);
    const notify = () => {
      for (const wake of job.changed) wake();
    };
    backtest(
      store,
      events,
      input,
      (progress) => {
        job.progress = progress;
        notify();
      },
      job.abort.signal,
    )
      .then((result) => {
        job.result = result;
      })
      .catch((error: Error) => {
        job.error = error;
      })
      .finally(() => {
        notify();
        setTimeout(() => this.jobs.delete(id), KEEP_MS).unref();
      });
    return id;
  }

  /** The job's progress as it changes, then its result (or its error, thrown). Leaving early stops the job. */
  watch(id: string, owner: string, signal?: AbortSignal) {
    const job = this.jobs.get(id);
    if (!job || job.owner !== owner)
      throw notFound(`no back-test ${id} of yours (finished ones are kept 10 minutes)`);
    return this.follow(job, signal);
  }

  private async *follow(
    job: Job,
    signal?: AbortSignal,
  ): AsyncGenerator<{ progress: BacktestProgress } | { result: BacktestResult }> {
    let seen: BacktestProgress | null = null;
    try {
      for (;;) {
        if (job.progress && job.progress !== seen) {
          seen = job.progress;
          yield { progress: seen };
        }
        if (job.error) throw job.error;
        if (job.result) {
          yield { result: job.result };
          return;
        }
        await new Promise<void>((resolve) => {
          const wake = () => {
            job.changed.delete(wake);
            resolve();
          };
          job.changed.add(wake);
          signal?.addEventListener("abort", wake, { once: true });
        });
        if (signal?.aborted) return;
      }
    } finally {
      if (signal?.aborted && !job.result && !job.error) job.abort.abort(); // the analyst went away
    }
  }
}
