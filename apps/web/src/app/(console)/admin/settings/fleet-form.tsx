"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTRPC } from "@/trpc/react";

/** When a silent host turns stale, then offline (the fleet page and its counts). */
export function FleetSettingsForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const current = useQuery(trpc.settings.get.queryOptions());
  const update = useMutation(
    trpc.settings.update.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.settings.get.queryKey() }),
    }),
  );
  type Draft = Record<"staleAfterS" | "offlineAfterS" | "dropsAlertAt" | "spoolAlertAt", string>;
  const [draft, setDraft] = useState<Draft | null>(null);
  if (!current.data) return null;
  const chosen = current.data.fleet;
  const base = chosen ?? current.data.fleetDefaults;
  const shown = draft ?? {
    staleAfterS: String(base.staleAfterS),
    offlineAfterS: String(base.offlineAfterS),
    dropsAlertAt: String(base.dropsAlertAt),
    spoolAlertAt: String(base.spoolAlertAt),
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate(
      {
        fleet: {
          staleAfterS: Number(shown.staleAfterS),
          offlineAfterS: Number(shown.offlineAfterS),
          dropsAlertAt: Number(shown.dropsAlertAt),
          spoolAlertAt: Number(shown.spoolAlertAt),
        },
      },
      { onSuccess: () => setDraft(null) },
    );
  };
  return (
    <section className="panel">
      <h2>Host status</h2>
      <p className="muted">
        Agents send a heartbeat every 10 seconds. A host not heard from for longer than the first limit is
        stale, for longer than the second offline. {chosen ? "Set here." : "The defaults apply."}
      </p>
      <form className="row inline-form" onSubmit={submit} aria-label="Host status">
        <label className="field">
          Stale after (seconds)
          <input
            type="number"
            min={20}
            required
            value={shown.staleAfterS}
            onChange={(e) => setDraft({ ...shown, staleAfterS: e.target.value })}
          />
        </label>
        <label className="field">
          Offline after (seconds)
          <input
            type="number"
            min={30}
            required
            value={shown.offlineAfterS}
            onChange={(e) => setDraft({ ...shown, offlineAfterS: e.target.value })}
          />
        </label>
        <label className="field">
          Alert from dropped events
          <input
            type="number"
            min={1}
            required
            value={shown.dropsAlertAt}
            onChange={(e) => setDraft({ ...shown, dropsAlertAt: e.target.value })}
          />
        </label>
        <label className="field">
          Alert from spooled events
          <input
            type="number"
            min={1}
            required
            value={shown.spoolAlertAt}
            onChange={(e) => setDraft({ ...shown, spoolAlertAt: e.target.value })}
          />
        </label>
        <button type="submit" disabled={update.isPending}>
          Save
        </button>
        {chosen && (
          <button
            type="button"
            className="quiet"
            onClick={() => update.mutate({ fleet: null }, { onSuccess: () => setDraft(null) })}
          >
            Use the defaults
          </button>
        )}
      </form>
      {update.error && <p className="error">{update.error.message}</p>}
    </section>
  );
}
