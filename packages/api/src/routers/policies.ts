import { MAX_POLICY_BYTES, parsePolicy } from "@vigil/policy";
import { z } from "zod";
import { BacktestJobs } from "../services/backtest-jobs";
import {
  listPolicies,
  parsedOrThrow,
  policyHistory,
  policyRollout,
  promotePolicy,
  publishPolicy,
  rollbackPolicy,
} from "../services/policies";
import { actorName, audit } from "../trpc/context";
import { procedureFor, router } from "../trpc/init";

const yaml = z.string().max(MAX_POLICY_BYTES, `a policy is at most ${MAX_POLICY_BYTES} bytes`);
const policyName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "not a policy name");
const version = z.int().min(1);
const MAX_RANGE_MS = 400 * 24 * 3600 * 1000;
/** This server's back-tests: one registry per process, like its store. */
const backtests = new BacktestJobs();

export const policiesRouter = router({
  list: procedureFor("viewer").query(({ ctx }) => listPolicies(ctx.store)),

  /** A policy's versions, and the text of one (the one in force by default). */
  get: procedureFor("viewer")
    .input(z.strictObject({ name: policyName, version: version.optional() }))
    .query(({ ctx, input }) => policyHistory(ctx.store, input.name, input.version)),

  /** Where the version in force stands on each host the policy selects. */
  rollout: procedureFor("viewer")
    .input(z.strictObject({ name: policyName }))
    .query(({ ctx, input }) => policyRollout(ctx.store, input.name)),

  /**
   * Every problem of a draft, with line and column: the editor shows them as the analyst types. A mutation only
   * because a draft can be larger than a URL (queries are GET requests); it changes nothing.
   */
  check: procedureFor("analyst")
    .input(z.strictObject({ yaml }))
    .mutation(({ input }) => {
      const result = parsePolicy(input.yaml);
      return result.ok ? { ok: true as const, errors: [] } : { ok: false as const, errors: result.errors };
    }),

  /** Starts a back-test of a draft over stored events; follow it with backtestProgress. */
  backtest: procedureFor("analyst")
    .input(
      z
        .strictObject({ yaml, sinceMs: z.int().min(0), untilMs: z.int().min(0) })
        .refine((r) => r.untilMs > r.sinceMs, "the range ends before it starts")
        .refine((r) => r.untilMs - r.sinceMs <= MAX_RANGE_MS, "a back-test covers at most 400 days"),
    )
    .mutation(({ ctx, input }) => {
      parsedOrThrow(input.yaml); // a draft with problems is refused now, not in the stream
      return { id: backtests.start(ctx.store, ctx.events, actorName(ctx.actor), input) };
    }),

  /** A started back-test's progress as it runs, then what the draft would have done, per rule and host. */
  backtestProgress: procedureFor("analyst")
    .input(z.strictObject({ id: z.string().regex(/^[0-9a-f]{24}$/, "not a back-test id") }))
    .subscription(({ ctx, input, signal }) => backtests.watch(input.id, actorName(ctx.actor), signal)),

  publish: procedureFor("admin")
    .input(
      z.strictObject({
        yaml,
        message: z.string().trim().min(1, "say what changed and why").max(500),
        basedOn: version.nullable(),
        /** Send the new version to this many of the selected hosts first; the rest keep theirs until promote. */
        canary: z.int().min(1, "a canary goes to at least 1 host").max(10_000).nullable().optional(),
      }),
    )
    .mutation(({ ctx, input }) => {
      const published = publishPolicy(ctx.store, input, actorName(ctx.actor));
      audit(ctx, {
        action: "policy published",
        target: `policy:${published.name}`,
        detail: {
          version: published.version,
          message: input.message,
          ...(input.canary ? { canary: input.canary } : {}),
        },
      });
      return published;
    }),

  /** Sends a canary version to every host the policy selects. */
  promote: procedureFor("admin")
    .input(z.strictObject({ name: policyName }))
    .mutation(({ ctx, input }) => {
      const promoted = promotePolicy(ctx.store, input.name);
      audit(ctx, {
        action: "policy promoted",
        target: `policy:${promoted.name}`,
        detail: { version: promoted.version },
      });
      return promoted;
    }),

  rollback: procedureFor("admin")
    .input(z.strictObject({ name: policyName, toVersion: version }))
    .mutation(({ ctx, input }) => {
      const published = rollbackPolicy(ctx.store, input.name, input.toVersion, actorName(ctx.actor));
      audit(ctx, {
        action: "policy rolled back",
        target: `policy:${published.name}`,
        detail: { version: published.version, to: input.toVersion },
      });
      return published;
    }),
});
