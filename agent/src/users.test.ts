import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parsePasswd, UserNames } from "./users";

describe("UserNames", () => {
  it("names uids from a passwd file, the first name of a uid winning, and skips what is not an entry", () => {
    const names = parsePasswd(
      "root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/:/bin/sh\n# note\nalice:x:1000:1000::/home/alice:/bin/sh\nbad:x:-1:0\n\n",
    );
    expect([...names]).toEqual([
      [0, "root"],
      [1000, "alice"],
    ]);
  });

  it("reads the file again once it changed, looking at most every few seconds", () => {
    const path = join(mkdtempSync(join(tmpdir(), "vigil-users-")), "passwd");
    writeFileSync(path, "root:x:0:0::/:/bin/sh\n");
    let now = 0;
    const users = new UserNames(path, () => now);
    expect(users.nameOf(0)).toBe("root");
    writeFileSync(path, "root:x:0:0::/:/bin/sh\nalice:x:1000:1000::/:/bin/sh\n");
    expect(users.nameOf(1000)).toBeUndefined(); // not looked at yet
    now = 10_000;
    expect(users.nameOf(1000)).toBe("alice");
    expect(users.uidsOf("a*")).toEqual([1000]);
    expect(users.uidsOf("*")).toEqual([0, 1000]);
  });
});
