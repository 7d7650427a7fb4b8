// The entry of a decoding thread: worker threads do not get the tsx loader the server starts with, so register it
// here before loading the TypeScript.
import { register } from "tsx/esm/api";

register();
await import("./decode-worker.ts");
