import { env } from "@/env";
import { adminOnly } from "@/server/admin-only";
import { FleetSettingsForm } from "./fleet-form";
import { IntegrationsForm } from "./integrations-form";
import { SettingsForm } from "./settings-form";

export const metadata = { title: "Settings · Vigil" };

export default function SettingsPage() {
  const defaults = { days: env.VIGIL_RETENTION_DAYS, maxEvents: env.VIGIL_RETENTION_MAX_EVENTS };
  return adminOnly("Settings are managed by admins", () => (
    <>
      <SettingsForm defaults={defaults} />
      <FleetSettingsForm />
      <IntegrationsForm />
    </>
  ));
}
