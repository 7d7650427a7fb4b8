// The entry of the server's worker threads: they do not get the tsx loader the server starts with, so register it
// here before loading the thread's TypeScript module (workerData.module, beside this file).
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(new URL(workerData.module, import.meta.url).href);
