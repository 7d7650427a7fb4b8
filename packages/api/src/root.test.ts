import { TRPCError } from "@trpc/server";
import { type Role, roles } from "@vigil/db";
import { afterEach, describe, expect, it } from "vitest";
import { appRouter, createCaller } from "./root";
import { createApiToken } from "./services/api-tokens";
import { tokenActor } from "./services/authenticate";
import { testContext, userActor as user } from "./test-context";
import type { Actor, Context } from "./trpc/context";
import type { Meta } from "./trpc/init";

/** Every procedure, who may call it, and an input it accepts. A procedure missing here fails the first test. */
const access: Record<string, { role: "public" | Role; input?: unknown }> = {
  "auth.signIn": { role: "public", input: { name: "nobody", password: "not the password" } },
  "auth.signOut": { role: "viewer" },
  "auth.me": { role: "viewer" },
  "events.list": { role: "viewer", input: { types: ["exec"], q: "curl", limit: 5 } },
  "events.tail": { role: "viewer", input: { types: ["exec"] } },
  "alerts.list": { role: "viewer", input: {} },
  "alerts.get": { role: "viewer", input: { id: 1 } },
  "alerts.update": { role: "analyst", input: { id: 1, status: "acknowledged" } },
  "alerts.events": { role: "viewer", input: { id: 1 } },
  "dashboard.summary": { role: "viewer", input: { range: "1h" } },
  "processes.tree": { role: "viewer", input: { host: "host-7f3a", pid: 1, at: "2026-11-28T22:09:18Z" } },
  "hosts.list": { role: "viewer", input: { q: "web", status: "online", sort: "lastSeen" } },
  "hosts.history": { role: "viewer" },
  "hosts.get": { role: "viewer", input: { id: 1 } },
  "hosts.setLabels": { role: "admin", input: { id: 1, labels: { env: "prod" } } },
  "hosts.revokeAgent": { role: "admin", input: { id: 1 } },
  "hosts.rotateCredential": { role: "admin", input: { id: 1 } },
  "tokens.list": { role: "admin" },
  "tokens.create": { role: "admin", input: { name: "ci", role: "viewer" } },
  "tokens.revoke": { role: "admin", input: { id: "0123456789abcdef" } },
  "enrollment.list": { role: "admin" },
  "enrollment.create": { role: "admin", input: { name: "web fleet", labels: { env: "prod" }, maxUses: 5 } },
  "enrollment.revoke": { role: "admin", input: { id: "0123456789abcdef" } },
  "settings.get": { role: "admin" },
  "settings.update": { role: "admin", input: { retention: { days: 7, maxEvents: 1_000_000 } } },
  "integrations.get": { role: "admin" },
  "integrations.update": { role: "admin", input: { minSeverity: "high", webhook: null, syslog: null } },
  "integrations.test": { role: "admin" },
  "users.list": { role: "admin" },
  "users.create": {
    role: "admin",
    input: { name: "newcomer", role: "viewer", password: "a long enough password" },
  },
  "users.update": { role: "admin", input: { id: 1, role: "analyst" } },
  "audit.list": { role: "admin", input: { limit: 10 } },
  "policies.list": { role: "viewer" },
  "policies.get": { role: "viewer", input: { name: "some-policy" } },
  "policies.rollout": { role: "viewer", input: { name: "some-policy" } },
  "policies.check": { role: "analyst", input: { yaml: "kind: Policy" } },
  "policies.backtest": { role: "analyst", input: { yaml: "kind: Policy", sinceMs: 0, untilMs: 1000 } },
  "policies.backtestProgress": { role: "analyst", input: { id: "0123456789abcdef01234567" } },
  "policies.publish": { role: "admin", input: { yaml: "kind: Policy", message: "first", basedOn: null } },
  "policies.rollback": { role: "admin", input: { name: "some-policy", toVersion: 1 } },
  "policies.promote": { role: "admin", input: { name: "some-policy" } },
};

let cleanup = () => {};
afterEach(() => cleanup());

function contextFor(actor: Actor | null): Context {
  const t = testContext(actor);
  cleanup = t.cleanup;
  return t.context;
}

async function call(actor: Actor | null, path: string, input: unknown): Promise<string> {
  const caller = createCaller(contextFor(actor)) as unknown as Record<
    string,
    Record<string, (i: unknown) => unknown>
  >;
  const [group, name] = path.split(".") as [string, string];
  try {
    await caller[group]?.[name]?.(input);
    return "OK";
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    return `${error.code}: ${error.message}`;
  }
}

describe("authorization: every procedure x every role", () => {
  it("lists every procedure of the router, each declaring who may call it", () => {
    const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { meta?: Meta } }>;
    expect(Object.keys(procedures).sort()).toEqual(Object.keys(access).sort());
    for (const [path, procedure] of Object.entries(procedures)) {
      expect(procedure._def.meta?.access, path).toBe(access[path]?.role);
    }
  });

  for (const [path, { role, input }] of Object.entries(access)) {
    it(`${path}: ${role === "public" ? "anyone" : `${role} and above`}`, async () => {
      // The refusals of procedureFor; a procedure that runs may still answer 401 of its own (a wrong password).
      const refused = /^(UNAUTHORIZED: sign in first|FORBIDDEN: this needs the)/;
      const anonymous = await call(null, path, input);
      if (role === "public") {
        expect(anonymous).not.toMatch(refused);
        return;
      }
      expect(anonymous).toBe("UNAUTHORIZED: sign in first");
      for (const actorRole of roles) {
        const allowed = roles.indexOf(actorRole) >= roles.indexOf(role);
        const outcome = await call(user(actorRole), path, input);
        if (allowed) expect(outcome, `${actorRole} on ${path}`).not.toMatch(refused);
        else expect(outcome, `${actorRole} on ${path}`).toMatch(/^FORBIDDEN: this needs the/);
      }
    });
  }

  it("limits an API token to its role, and refuses a revoked one", async () => {
    const ctx = contextFor(null);
    const { token } = createApiToken(ctx.store, { name: "reader", role: "viewer" });
    const viewer = createCaller({ ...ctx, actor: { kind: "token", ...tokenActor(ctx.store, token) } });
    await expect(viewer.events.list({})).resolves.toMatchObject({ events: [] });
    await expect(viewer.tokens.list()).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(() => tokenActor(ctx.store, `${token.slice(0, -4)}AAAA`)).toThrow(/unknown API token/);
    await createCaller({ ...ctx, actor: user("admin") }).tokens.revoke({ id: token.slice(4, 20) });
    expect(() => tokenActor(ctx.store, token)).toThrow(/revoked/);
  });
});
