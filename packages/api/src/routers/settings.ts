import { z } from "zod";
import {
  defaultFleetSetting,
  fleetSetting,
  fleetSettingSchema,
  setFleetSetting,
} from "../services/fleet-status";
import { retentionSchema, retentionSetting, setRetention } from "../services/settings";
import { actorName, audit } from "../trpc/context";
import { procedureFor, router } from "../trpc/init";

export const settingsRouter = router({
  /** Each setting, or null where the server's default applies. */
  get: procedureFor("admin").query(({ ctx }) => ({
    retention: retentionSetting(ctx.store),
    fleet: fleetSetting(ctx.store),
    fleetDefaults: defaultFleetSetting,
  })),

  /** Changes the settings given (null: back to the default) and leaves the others as they are. */
  update: procedureFor("admin")
    .input(
      z.strictObject({
        retention: retentionSchema.nullable().optional(),
        fleet: fleetSettingSchema.nullable().optional(),
      }),
    )
    .mutation(({ ctx, input }) => {
      if (input.retention !== undefined) {
        const before = retentionSetting(ctx.store);
        setRetention(ctx.store, input.retention, actorName(ctx.actor));
        audit(ctx, {
          action: "settings changed",
          target: "settings:retention",
          detail: { before, after: input.retention },
        });
      }
      if (input.fleet !== undefined) {
        const before = fleetSetting(ctx.store);
        setFleetSetting(ctx.store, input.fleet, actorName(ctx.actor));
        audit(ctx, {
          action: "settings changed",
          target: "settings:fleet",
          detail: { before, after: input.fleet },
        });
      }
    }),
});
