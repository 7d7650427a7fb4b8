import { execFileSync, spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";

const bin = join(import.meta.dirname, "..", "bin", "vigil");
const dataDir = mkdtempSync(join(tmpdir(), "vigil-cli-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const readAudit = () => {
  const db = new Database(join(dataDir, "vigil.db"), { readonly: true });
  try {
    return db.prepare("SELECT actor, action, target, source FROM audit_log ORDER BY id").all() as {
      actor: string;
      action: string;
      target: string;
      source: string;
    }[];
  } finally {
    db.close();
  }
};

const vigil = (...args: string[]) => spawnSync(bin, ["--data-dir", dataDir, ...args], { encoding: "utf8" });

describe("vigil admin CLI", () => {
  it("bootstraps the first admin and an enrollment token once, the token file private", () => {
    const first = vigil("bootstrap");
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(
      /created the first admin account: admin\n {2}password \(shown once.*\): \S{20,}/,
    );
    expect(first.stdout).toMatch(/vge_\S+\.\S+/);
    expect(statSync(join(dataDir, "enroll-token")).mode & 0o777).toBe(0o600);
    expect(vigil("bootstrap").stdout).toBe("");
  });

  it("creates, lists and revokes API tokens without ever listing a secret", () => {
    const created = vigil("token", "create", "--role", "viewer", "--name", "grafana");
    expect(created.status).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^vgt_[\w-]+\.[\w-]{40,}$/);
    const id = token.slice(4, token.indexOf("."));
    const listed = vigil("token", "list").stdout;
    expect(listed).toContain(`${id}\tviewer\tgrafana`);
    expect(listed).not.toContain(token.slice(token.indexOf(".") + 1));
    expect(vigil("token", "revoke", id).status).toBe(0);
    expect(vigil("token", "list").stdout).toContain("REVOKED");
    const unknown = vigil("token", "revoke", "nope");
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("no API token with id nope");
  });

  it("records what it changed in the audit log, under the system user who ran it", () => {
    const rows = readAudit();
    expect(rows.map((r) => r.action)).toEqual([
      "user created",
      "enrollment token created",
      "token created",
      "token revoked",
    ]);
    expect(rows.every((r) => r.actor.startsWith("cli:") && r.source === "cli")).toBe(true);
    expect(JSON.stringify(rows)).not.toMatch(/vg[et]_/); // no secret in the log
  });

  it("refuses a bad role, bad labels and a duplicate user with a clear message", () => {
    expect(vigil("token", "create", "--role", "root").stderr).toMatch(
      /--role.*Allowed choices are viewer, analyst, admin/,
    );
    expect(vigil("enroll-token", "create", "--labels", "oops").stderr).toMatch(/expected key=value/);
    const user = execFileSync(
      bin,
      ["--data-dir", dataDir, "user", "create", "ana", "--role", "analyst", "--password-stdin"],
      {
        input: "correct horse battery staple\n",
        encoding: "utf8",
      },
    );
    expect(user).toBe("created user ana (analyst)\n");
    expect(vigil("user", "create", "ana", "--role", "viewer").stderr).toContain(
      "a user named ana already exists",
    );
  });

  it("backs up the database while another process writes to it: a checked copy as of one commit, that restores", async () => {
    // A writer as the server is one: another process committing 100 events at a time, as fast as it can.
    const writer = spawn(
      process.execPath,
      ["-e", WRITER, createRequire(import.meta.url).resolve("better-sqlite3"), join(dataDir, "vigil.db")],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      await new Promise((resolve, reject) => {
        writer.stdout.once("data", resolve);
        writer.once("exit", (code) => reject(new Error(`the writer stopped (exit code ${code})`)));
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const before = countEvents(join(dataDir, "vigil.db"));
      const backup = join(dataDir, "backup.db");
      const run = spawn(bin, ["--data-dir", dataDir, "backup", backup], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      run.stdout.on("data", (chunk) => {
        stdout += chunk;
      });
      const status = await new Promise((resolve) => run.on("exit", resolve));
      const after = countEvents(join(dataDir, "vigil.db"));
      expect(status).toBe(0);
      const copied = countEvents(backup);
      expect(stdout).toMatch(/^backed up [\d,]+ events to .*backup\.db \(.* MiB in .* s\), checked\n$/);
      expect(Number(/backed up ([\d,]+)/.exec(stdout)?.[1]?.replaceAll(",", ""))).toBe(copied);
      expect(copied).toBeGreaterThan(before - 1);
      expect(copied).toBeLessThan(after + 1);
      expect(after).toBeGreaterThan(before); // the writer went on during the backup
      expect(copied % 100).toBe(0); // whole transactions only

      // Restored as the README says: the copy becomes vigil.db of a data directory (no -wal or -shm beside it).
      const restored = mkdtempSync(join(tmpdir(), "vigil-restored-"));
      try {
        copyFileSync(backup, join(restored, "vigil.db"));
        const listed = spawnSync(bin, ["--data-dir", restored, "token", "list"], { encoding: "utf8" });
        expect(listed.status).toBe(0);
        expect(listed.stdout).toContain("\tviewer\tgrafana");
        expect(countEvents(join(restored, "vigil.db"))).toBe(copied);
      } finally {
        rmSync(restored, { recursive: true, force: true });
      }

      const again = vigil("backup", backup);
      expect(again.status).toBe(1);
      expect(again.stderr).toContain("exists: a backup never overwrites a file");
      const missing = spawnSync(
        bin,
        ["--data-dir", join(dataDir, "nope"), "backup", join(dataDir, "b2.db")],
        {
          encoding: "utf8",
        },
      );
      expect(missing.status).toBe(1);
      expect(missing.stderr).toMatch(/^backing up .*\nvigil: backup failed: no database at .*nope.vigil\.db/);
    } finally {
      writer.kill("SIGKILL");
    }
  });
});

function countEvents(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    expect(db.pragma("quick_check", { simple: true })).toBe("ok");
    return db.prepare("SELECT count(*) FROM events").pluck().get() as number;
  } finally {
    db.close();
  }
}

const WRITER = `
const Database = require(process.argv[1]);
const db = new Database(process.argv[2]);
db.pragma("busy_timeout = 5000");
const insert = db.prepare(
  "INSERT INTO events (host_id, time_ns, type, sensor, verdict, pid, tid, ppid, uid, euid, gid, cgroup_id, program_id)" +
  " VALUES (1, ?, 1, 0, 0, 7, 7, 1, 0, 0, 0, 0, 1)");
let time = 0;
const commit = db.transaction(() => { for (let i = 0; i < 100; i++) insert.run(time++); });
commit();
process.stdout.write("writing\\n");
for (;;) commit();
`;
