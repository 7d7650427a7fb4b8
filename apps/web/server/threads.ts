import { join } from "node:path";
import { parentPort, Worker } from "node:worker_threads";
import { retryLater } from "@vigil/api";
import { fromRefusal, type Refusal, toRefusal } from "../src/server/batch-decoder";
import { log } from "../src/server/log";

/** What a thread posts: the answer to request `id` (its value, a refusal, or a failure), or a notice (no id). */
export type ThreadReply = {
  id?: number;
  value?: unknown;
  refusal?: Refusal;
  failure?: { message: string; code?: string };
};
type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

/**
 * A worker thread running `module` (a TypeScript file in this folder) that answers requests by id. If it dies, the
 * requests it held are answered "retry later" (agents send them again) and a new thread takes its place: at once
 * after a crash, a second later for a thread that never started (not a loop of failing starts).
 */
export class ServerThread {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;

  constructor(
    private readonly module: string,
    /** what a request is, for "the thread decoding this batch stopped" */
    private readonly doing: string,
    private readonly onNotice: (notice: ThreadReply) => void = () => {},
  ) {
    this.spawn();
  }

  get running(): boolean {
    return this.worker !== null;
  }

  /** Requests sent and not answered yet. */
  get inHand(): number {
    return this.pending.size;
  }

  request<T>(message: Record<string, unknown>, transfer: ArrayBufferLike[] = []): Promise<T> {
    const worker = this.worker;
    if (!worker) return Promise.reject(retryLater(`the thread ${this.doing} is restarting: retry later`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ ...message, id }, transfer as ArrayBuffer[]);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker?.terminate();
  }

  private spawn(): void {
    const worker = new Worker(join(import.meta.dirname, "thread-entry.mjs"), {
      workerData: { module: this.module },
      execArgv: threadFlags(),
    });
    worker.unref();
    this.worker = worker;
    let answered = false;
    worker.on("message", (reply: ThreadReply) => {
      answered = true;
      if (reply.id === undefined) return this.onNotice(reply);
      const pending = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      const { value, refusal, failure } = reply;
      if (refusal) pending?.reject(fromRefusal(refusal));
      else if (failure) pending?.reject(Object.assign(new Error(failure.message), { code: failure.code }));
      else pending?.resolve(value);
    });
    worker.on("error", (error) => log.error({ err: error, thread: this.module }, "a server thread failed"));
    worker.on("exit", (code) => {
      this.worker = null;
      for (const pending of this.pending.values())
        pending.reject(retryLater(`the thread ${this.doing} stopped (exit code ${code}): retry later`));
      this.pending.clear();
      if (!this.closed) setTimeout(() => this.closed || this.spawn(), answered ? 0 : 1000).unref();
    });
  }
}

/**
 * In a thread: answers each request with what `handle` returns (`transfer`: buffers moved to the main thread, not
 * copied), or with its refusal (a DomainError keeps its status and reason) or failure.
 */
export function answerRequests<R>(
  handle: (request: R) => { value: unknown; transfer?: ArrayBuffer[] } | Promise<{ value: unknown }>,
): void {
  const port = parentPort;
  if (!port) throw new Error("answerRequests runs in a worker thread");
  port.on("message", async (request: R & { id: number }) => {
    const { id } = request;
    try {
      const { value, transfer } = (await handle(request)) as { value: unknown; transfer?: ArrayBuffer[] };
      port.postMessage({ id, value } satisfies ThreadReply, transfer ?? []);
    } catch (error) {
      const refusal = toRefusal(error);
      const { stack, code } = error as Error & { code?: string };
      port.postMessage(
        (refusal ? { id, refusal } : { id, failure: { message: String(stack), code } }) satisfies ThreadReply,
      );
    }
  });
}

/** The server's node flags but its loader, which the thread registers itself (so --cpu-prof profiles it too). */
function threadFlags(): string[] {
  const flags = [...process.execArgv];
  const loader = flags.indexOf("--import");
  if (loader >= 0 && flags[loader + 1] === "tsx") flags.splice(loader, 2);
  return flags;
}
