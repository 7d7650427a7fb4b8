import { integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** A policy is its name and the versions published under it; the newest version is the one in force. */
export const policies = sqliteTable("policies", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull().unique(),
  createdMs: integer("created_ms").notNull(),
  createdBy: text("created_by").notNull(),
  /** The newest version's number (versions count from 1). */
  currentVersion: integer("current_version").notNull(),
  /**
   * While the newest version is a canary: the hosts (ids) that apply it, and the version every other host keeps
   * (0: none, the policy is new). Both null once it is promoted, or when it was published to all at once.
   */
  canaryHosts: text("canary_hosts", { mode: "json" }).$type<number[]>(),
  stableVersion: integer("stable_version"),
});

/** Every publish, never changed afterwards: what was published (its YAML as written), by whom, when and why. */
export const policyVersions = sqliteTable(
  "policy_versions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    policyId: integer("policy_id")
      .notNull()
      .references(() => policies.id),
    version: integer("version").notNull(),
    yaml: text("yaml").notNull(),
    message: text("message").notNull(),
    publishedMs: integer("published_ms").notNull(),
    /** `user:<name>` or `token:<id>`, as in the audit log. */
    publishedBy: text("published_by").notNull(),
  },
  (t) => [uniqueIndex("policy_versions_policy_version_idx").on(t.policyId, t.version)],
);

export type PolicyRow = typeof policies.$inferSelect;
export type PolicyVersionRow = typeof policyVersions.$inferSelect;
