import { readFileSync, statSync } from "node:fs";
import { globToRegExp } from "@vigil/policy";

const CHECK_EVERY_MS = 5_000;

/**
 * This host's user names by uid, from /etc/passwd (read again when it changes, looked at every few seconds): what
 * an event's process.user says, and what a policy's process.user names as uids here.
 */
export class UserNames {
  private names = new Map<number, string>();
  private stamp = "";
  private checkedMs = -Infinity;

  constructor(
    private readonly path = "/etc/passwd",
    private readonly now = Date.now,
  ) {}

  nameOf(uid: number): string | undefined {
    this.refresh();
    return this.names.get(uid);
  }

  /** The uids whose names match a glob. */
  uidsOf(pattern: string): number[] {
    this.refresh();
    const test = globToRegExp(pattern);
    return [...this.names].filter(([, name]) => test.test(name)).map(([uid]) => uid);
  }

  private refresh(): void {
    const now = this.now();
    if (now - this.checkedMs < CHECK_EVERY_MS) return;
    this.checkedMs = now;
    const stat = statSync(this.path, { throwIfNoEntry: false });
    const stamp = stat ? `${stat.ino}:${stat.mtimeMs}:${stat.size}` : "";
    if (stamp === this.stamp) return;
    this.stamp = stamp;
    this.names = stat ? parsePasswd(readFileSync(this.path, "utf8")) : new Map();
  }
}

/** name:password:uid:... lines; the first name of a uid wins, as getpwuid's does. */
export function parsePasswd(text: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of text.split("\n")) {
    const [name, , uid] = line.split(":");
    const id = Number(uid);
    if (name && uid && Number.isInteger(id) && id >= 0 && !names.has(id)) names.set(id, name);
  }
  return names;
}
