import { z } from "zod";
import { AlertDelivery } from "../services/alert-delivery";
import {
  integrationsSchema,
  integrationsSetting,
  integrationsView,
  setIntegrations,
} from "../services/integrations";
import { actorName, audit } from "../trpc/context";
import { procedureFor, router } from "../trpc/init";

export const integrationsRouter = router({
  /** The webhook's secret is never sent back: only whether one is set. */
  get: procedureFor("admin").query(({ ctx }) => integrationsView(ctx.store)),

  update: procedureFor("admin")
    .input(
      integrationsSchema.extend({
        consoleUrl: z.string().max(2000).optional(),
        webhook: z
          .strictObject({ url: z.string().max(2000), secret: z.string().max(256).optional() })
          .nullable()
          .default(null),
      }),
    )
    .mutation(({ ctx, input }) => {
      setIntegrations(ctx.store, input, actorName(ctx.actor));
      const after = integrationsView(ctx.store);
      audit(ctx, { action: "integrations changed", target: "settings:integrations", detail: after });
      return after;
    }),

  /** Sends a made-up alert to each configured target now; says for each whether it arrived or why not. */
  test: procedureFor("admin").mutation(async ({ ctx }) => {
    const config = integrationsSetting(ctx.store);
    const delivery = new AlertDelivery(ctx.store);
    const now = new Date().toISOString();
    const alert = {
      id: 0,
      rule: "vigil-test",
      severity: "low",
      title: "A test alert from Vigil: the integration works",
      status: "new" as const,
      assignee: null,
      count: 1,
      hosts: [],
      first: now,
      last: now,
      latest: null,
    };
    const results: { target: string; ok: boolean; error: string | null }[] = [];
    for (const target of ["webhook", "syslog"] as const) {
      if (!config[target]) continue;
      try {
        await delivery.send(target, config, alert);
        results.push({ target, ok: true, error: null });
      } catch (error) {
        results.push({ target, ok: false, error: (error as Error).message });
      }
    }
    return results;
  }),
});
