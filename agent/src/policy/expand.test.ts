import { chmodSync, mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expandExecutables } from "./expand";

/** A directory tree of files; a mode of 0o755 makes one executable. */
function tree(files: Record<string, number>): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "vigil-expand-")));
  for (const [path, mode] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), "#!/bin/sh\n");
    chmodSync(join(root, path), mode);
  }
  return root;
}

describe("expandExecutables", () => {
  it("names the executable files a pattern matches, as real paths", () => {
    const root = tree({
      "bin/gdb": 0o755,
      "bin/gdbserver": 0o755,
      "bin/notes.txt": 0o644,
      "lib/apt/methods/http": 0o755,
      "lib/apt/deep/er/x": 0o700,
      "lib/apt/readme": 0o644,
    });
    symlinkSync(join(root, "bin"), join(root, "sbin"));
    expect(expandExecutables(`${root}/bin/gdb*`)).toEqual([`${root}/bin/gdb`, `${root}/bin/gdbserver`]);
    expect(expandExecutables(`${root}/bin/*`)).not.toContain(`${root}/bin/notes.txt`);
    expect(expandExecutables(`${root}/sbin/gdb`)).toEqual([`${root}/bin/gdb`]); // through the link
    expect(expandExecutables(`${root}/lib/apt/**`)).toEqual([
      `${root}/lib/apt/deep/er/x`,
      `${root}/lib/apt/methods/http`,
    ]);
    expect(expandExecutables(`${root}/*/apt/methods/*`)).toEqual([`${root}/lib/apt/methods/http`]);
    expect(expandExecutables(`${root}/missing/*`)).toEqual([]);
    expect(expandExecutables("relative/*")).toEqual([]);
  });
});
