import { testStore } from "@vigil/db/test-store";
import { afterEach, describe, expect, it } from "vitest";
import type { DomainError } from "../errors";
import { createApiToken, revokeApiToken } from "./api-tokens";
import { authenticateToken } from "./authenticate";
import { enrollAgent } from "./enroll";
import { createEnrollToken } from "./enroll-tokens";

let cleanup = () => {};
afterEach(() => cleanup());

function setup() {
  const t = testStore();
  cleanup = t.cleanup;
  return t;
}

const statusOf = (work: () => unknown) => {
  try {
    work();
    return 200;
  } catch (e) {
    return (e as DomainError).status;
  }
};

describe("enrollment tokens", () => {
  it("enrolls hosts with the token's labels, and refuses unknown, expired, used-up and forged tokens", () => {
    const { store } = setup();
    const host = (machineId: string) => ({ machineId, name: machineId });
    const { token } = createEnrollToken(store, { labels: { env: "prod" }, maxUses: 1 });
    const enrollment = enrollAgent(store, { token, host: host("a") });
    expect(enrollment.credential).toMatch(/^vga_/);
    expect(store.sqlite.prepare("SELECT labels FROM hosts WHERE machine_id = 'a'").pluck().get()).toBe(
      '{"env":"prod"}',
    );
    expect(statusOf(() => enrollAgent(store, { token, host: host("b") }))).toBe(403);
    const expired = createEnrollToken(store, { expiresMs: 1000 }, 0).token;
    expect(statusOf(() => enrollAgent(store, { token: expired, host: host("c") }))).toBe(403);
    expect(statusOf(() => enrollAgent(store, { token: `${token.slice(0, -4)}AAAA`, host: host("d") }))).toBe(
      401,
    );
    expect(statusOf(() => enrollAgent(store, { token: "hello", host: host("e") }))).toBe(401);
  });
});

describe("API tokens", () => {
  it("authorize their role and below: no token 401, a lower role 403, revoked 401", () => {
    const { store } = setup();
    const viewer = createApiToken(store, { name: "dash", role: "viewer" });
    const admin = createApiToken(store, { name: "ops", role: "admin" });
    expect(statusOf(() => authenticateToken(store, null, "viewer"))).toBe(401);
    expect(statusOf(() => authenticateToken(store, viewer.token, "viewer"))).toBe(200);
    expect(statusOf(() => authenticateToken(store, viewer.token, "analyst"))).toBe(403);
    expect(statusOf(() => authenticateToken(store, admin.token, "analyst"))).toBe(200);
    revokeApiToken(store, viewer.id);
    expect(statusOf(() => authenticateToken(store, viewer.token, "viewer"))).toBe(401);
  });
});
