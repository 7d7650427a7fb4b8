import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { Host } from "@vigil/events";

function readTrimmed(path: string): string | null {
  try {
    return readFileSync(path, "utf8").trim() || null;
  } catch {
    return null;
  }
}

/** This host's identity and the current boot's, which keeps event ids unique across reboots. */
export function hostIdentity(): { host: Host; bootId: string } {
  const name = hostname();
  const id = readTrimmed("/etc/machine-id") ?? name;
  const bootId = (readTrimmed("/proc/sys/kernel/random/boot_id") ?? "0").replaceAll("-", "").slice(0, 12);
  return { host: { id, name }, bootId };
}
