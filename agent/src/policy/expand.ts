import { type Dirent, readdirSync, realpathSync, statSync } from "node:fs";
import { globToRegExp } from "@vigil/policy";

/** More than this many files for one pattern is a policy too broad to enforce by file identity. */
export const MAX_FILES_PER_PATTERN = 100_000;
const MAX_DEPTH = 40;
const PSEUDO_FILESYSTEMS = new Set(["/proc", "/sys", "/dev"]);

export class ExpandError extends Error {}

/**
 * The executable files on this host a glob pattern names (see globToRegExp), as real paths: what the kernel's
 * exec, unlink and target rules compare by file identity. Only regular files with an execute bit: nothing else can
 * run as a process's program.
 */
export function expandExecutables(pattern: string): string[] {
  if (!pattern.startsWith("/")) return [];
  const segments = pattern.slice(1).split("/");
  const whole = globToRegExp(pattern);
  const found = new Set<string>();
  const visit = (dir: string, at: number, depth: number) => {
    if (depth > MAX_DEPTH) return;
    const segment = segments[at] as string;
    const last = at === segments.length - 1;
    if (!/[*?\\]/.test(segment)) {
      const path = `${dir}/${segment}`;
      if (last) add(path);
      else visit(path, at + 1, depth + 1);
      return;
    }
    if (segment.includes("**")) {
      // A `**` may cross directories: every file below here is tested against the whole pattern.
      // Directories are not followed through symbolic links below here, so only the start needs resolving.
      const real = realDir(dir);
      if (real === null) return;
      walk(dir, depth, (path, entry) => {
        if (!whole.test(path)) return;
        if (entry.isFile()) addFile(real + path.slice(dir.length), path);
        else if (entry.isSymbolicLink()) add(path);
      });
      return;
    }
    const test = globToRegExp(segment);
    for (const entry of list(dir))
      if (test.test(entry.name)) {
        const path = `${dir}/${entry.name}`;
        if (last) add(path);
        else visit(path, at + 1, depth + 1);
      }
  };
  const walk = (dir: string, depth: number, each: (path: string, entry: Dirent) => void) => {
    if (depth > MAX_DEPTH) return;
    for (const entry of list(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!PSEUDO_FILESYSTEMS.has(path)) walk(path, depth + 1, each);
      } else each(path, entry);
    }
  };
  const keep = (real: string) => {
    found.add(real);
    if (found.size > MAX_FILES_PER_PATTERN)
      throw new ExpandError(
        `${pattern} names more than ${MAX_FILES_PER_PATTERN} executable files: narrow it to enforce it`,
      );
  };
  const addFile = (real: string, path: string) => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isFile() && (stat.mode & 0o111) !== 0) keep(real);
  };
  const add = (path: string) => {
    const real = realDir(path);
    if (real !== null) addFile(real, real);
  };
  visit("", 0, 0);
  return [...found].sort();
}

function realDir(path: string): string | null {
  try {
    return realpathSync(path || "/").replace(/^\/$/, "");
  } catch {
    return null; // gone, or not reachable: nothing to protect there
  }
}

function list(dir: string): Dirent[] {
  try {
    return readdirSync(dir || "/", { withFileTypes: true });
  } catch {
    return [];
  }
}
