import { join } from "node:path";
import { Worker } from "node:worker_threads";

/** Starts a worker thread running `module` (a TypeScript file in this folder) with the server's node flags. */
export function startThread(module: string): Worker {
  const worker = new Worker(join(import.meta.dirname, "thread-entry.mjs"), {
    workerData: { module },
    execArgv: threadFlags(),
  });
  worker.unref();
  return worker;
}

/** The server's node flags but its loader, which the thread registers itself (so --cpu-prof profiles it too). */
function threadFlags(): string[] {
  const flags = [...process.execArgv];
  const loader = flags.indexOf("--import");
  if (loader >= 0 && flags[loader + 1] === "tsx") flags.splice(loader, 2);
  return flags;
}
