import { z } from "zod";
import { fleetPage, fleetSorts } from "../services/fleet";
import { eventsPerMinute, fleetOverTime } from "../services/fleet-history";
import { hostStatuses } from "../services/fleet-status";
import { hostDetail, revokeHostAgents, rotateHostCredential, setHostLabels } from "../services/host-detail";
import { audit } from "../trpc/context";
import { procedureFor, router } from "../trpc/init";
import { labels } from "./labels";

const hostId = z.int().min(1);

export const hostsRouter = router({
  /** Counts over the fleet and a page of the hosts matching the filters, with their events per minute. */
  list: procedureFor("viewer")
    .input(
      z.strictObject({
        q: z.string().max(200).optional(),
        status: z.enum(hostStatuses).optional(),
        mode: z.enum(["lsm", "tracepoint", "none"]).optional(),
        fellBack: z.boolean().optional(),
        sort: z.enum(fleetSorts).default("name"),
        descending: z.boolean().default(false),
        offset: z.int().min(0).default(0),
        limit: z.int().min(1).max(500).default(100),
      }),
    )
    .query(async ({ ctx, input }) => {
      const nowMs = Date.now();
      const page = fleetPage(ctx.store, input, nowMs);
      const perMinute = await eventsPerMinute(
        ctx.store,
        ctx.events,
        page.hosts.map((h) => h.id),
        nowMs,
      );
      return {
        ...page,
        nowMs,
        hosts: page.hosts.map((h) => ({ ...h, eventsPerMinute: perMinute[h.id] ?? [] })),
      };
    }),

  /** Hosts reporting over the last day, by sensor mode. */
  history: procedureFor("viewer").query(({ ctx }) => fleetOverTime(ctx.store, Date.now())),

  get: procedureFor("viewer")
    .input(z.strictObject({ id: hostId }))
    .query(async ({ ctx, input }) => ({
      ...(await hostDetail(ctx.store, ctx.events, input.id)),
      nowMs: Date.now(),
    })),

  /** Labels decide which policies a host gets: a change reaches the host with its next policy poll. */
  setLabels: procedureFor("admin")
    .input(z.strictObject({ id: hostId, labels }))
    .mutation(({ ctx, input }) => {
      setHostLabels(ctx.store, input.id, input.labels);
      audit(ctx, { action: "host labels changed", target: `host:${input.id}`, detail: input.labels });
    }),

  /** The host's agent is refused from now on, until it enrolls again with a token. */
  revokeAgent: procedureFor("admin")
    .input(z.strictObject({ id: hostId }))
    .mutation(({ ctx, input }) => {
      const revoked = revokeHostAgents(ctx.store, input.id);
      audit(ctx, { action: "host agent revoked", target: `host:${input.id}`, detail: { revoked } });
      return { revoked };
    }),

  /** The host's agent fetches a new credential with its next heartbeat; the old one works until the new is used. */
  rotateCredential: procedureFor("admin")
    .input(z.strictObject({ id: hostId }))
    .mutation(({ ctx, input }) => {
      const agents = rotateHostCredential(ctx.store, input.id);
      audit(ctx, {
        action: "host credential rotation asked",
        target: `host:${input.id}`,
        detail: { agents },
      });
      return { agents };
    }),
});
