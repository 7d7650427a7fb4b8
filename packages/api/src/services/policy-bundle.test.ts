import { hosts } from "@vigil/db";
import { testStore } from "@vigil/db/test-store";
import { afterEach, describe, expect, it } from "vitest";
import { promotePolicy, publishPolicy } from "./policies";
import { nextPolicyBundle, policyBundle } from "./policy-bundle";

let cleanup = () => {};
afterEach(() => cleanup());

const policy = (name: string, selector: string, mode = "audit") => `apiVersion: vigil/v1
kind: Policy
name: ${name}
mode: ${mode}
selector: ${selector}
rules: [{ id: r, on: exec, action: alert, severity: low }]
`;

function fleet() {
  const t = testStore();
  cleanup = t.cleanup;
  t.store.db.delete(hosts).run(); // only the two below
  const add = (name: string, labels: Record<string, string>) =>
    t.store.db
      .insert(hosts)
      .values({ machineId: name, name, labels, firstSeenMs: 0, lastSeenMs: 0 })
      .returning({ id: hosts.id })
      .get().id;
  return { store: t.store, prod: add("web-1", { env: "prod" }), staging: add("web-2", { env: "staging" }) };
}

describe("policy bundles", () => {
  it("hold the version in force of each policy whose selector picks the host", () => {
    const { store, prod, staging } = fleet();
    const empty = policyBundle(store, prod);
    expect(empty.policies).toEqual([]);
    publishPolicy(store, { yaml: policy("everywhere", "{}"), message: "m", basedOn: null }, "user:a");
    publishPolicy(
      store,
      { yaml: policy("prod-only", "{ labels: { env: prod } }"), message: "m", basedOn: null },
      "user:a",
    );
    publishPolicy(
      store,
      { yaml: policy("db-hosts", "{ hosts: [db-*] }"), message: "m", basedOn: null },
      "user:a",
    );
    const names = (hostId: number) =>
      policyBundle(store, hostId).policies.map((p) => `${p.name}@${p.version}`);
    expect(names(prod)).toEqual(["everywhere@1", "prod-only@1"]);
    expect(names(staging)).toEqual(["everywhere@1"]);

    const before = policyBundle(store, prod).hash;
    expect(policyBundle(store, prod).hash).toBe(before); // the same set, the same digest
    publishPolicy(
      store,
      { yaml: policy("prod-only", "{ labels: { env: prod } }", "enforce"), message: "m", basedOn: 1 },
      "user:a",
    );
    expect(names(prod)).toEqual(["everywhere@1", "prod-only@2"]);
    expect(policyBundle(store, prod).hash).not.toBe(before);
    expect(policyBundle(store, prod).policies[1]?.yaml).toContain("mode: enforce");
  });

  it("hold a canary version for the canary hosts only, and for all once it is promoted", async () => {
    const { store, prod, staging } = fleet();
    const names = (hostId: number) =>
      policyBundle(store, hostId).policies.map((p) => `${p.name}@${p.version}`);
    const publish = (mode: string, basedOn: number | null, canary: number | null) =>
      publishPolicy(store, { yaml: policy("all", "{}", mode), message: "m", basedOn, canary }, "user:a");
    publish("audit", null, 1); // a new policy as a canary: web-1 (first by name) only
    expect([names(prod), names(staging)]).toEqual([["all@1"], []]);
    publish("audit", 1, null);
    publish("enforce", 2, 1);
    publish("enforce", 3, 1); // a canary over a canary: the others still keep version 2
    expect([names(prod), names(staging)]).toEqual([["all@4"], ["all@2"]]);

    const have = policyBundle(store, staging).hash;
    const waiting = nextPolicyBundle(store, staging, have, { waitMs: 5000, everyMs: 10 });
    setTimeout(() => promotePolicy(store, "all"), 50);
    expect((await waiting)?.policies.map((p) => p.version)).toEqual([4]);
    expect(() =>
      publishPolicy(
        store,
        { yaml: policy("nowhere", "{ hosts: [db-*] }"), message: "m", basedOn: null, canary: 2 },
        "user:a",
      ),
    ).toThrow(/selects no host to try it on first/);
  });

  it("are handed over as soon as they differ from what the agent has, and not before", async () => {
    const { store, prod, staging } = fleet();
    const first = await nextPolicyBundle(store, prod, null, { waitMs: 0, everyMs: 10 });
    expect(first?.policies).toEqual([]);
    const have = first?.hash ?? "";
    expect(await nextPolicyBundle(store, prod, have, { waitMs: 50, everyMs: 10 })).toBeNull();

    const waiting = nextPolicyBundle(store, prod, have, { waitMs: 5000, everyMs: 10 });
    const unmoved = nextPolicyBundle(store, staging, policyBundle(store, staging).hash, {
      waitMs: 200,
      everyMs: 10,
    });
    setTimeout(() => {
      publishPolicy(
        store,
        { yaml: policy("prod-only", "{ labels: { env: prod } }"), message: "m", basedOn: null },
        "user:a",
      );
    }, 50);
    expect((await waiting)?.policies.map((p) => p.name)).toEqual(["prod-only"]);
    expect(await unmoved).toBeNull(); // not for staging: its bundle did not change
  });
});
