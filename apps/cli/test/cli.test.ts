import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
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
});
