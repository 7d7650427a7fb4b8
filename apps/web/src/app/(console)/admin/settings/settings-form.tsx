"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTRPC } from "@/trpc/react";

type Retention = { days: number; maxEvents: number };

/** Retention: what the admins chose, or the server's defaults (VIGIL_RETENTION_DAYS / _MAX_EVENTS) until they do. */
export function SettingsForm(props: { defaults: Retention }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const current = useQuery(trpc.settings.get.queryOptions());
  const update = useMutation(
    trpc.settings.update.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.settings.get.queryKey() }),
    }),
  );
  const [draft, setDraft] = useState<{ days: string; maxEvents: string } | null>(null);

  if (current.isError) {
    return (
      <p role="alert" className="error">
        Cannot load settings: {current.error.message}
      </p>
    );
  }
  if (current.isPending) return <p className="muted">Loading…</p>;
  const chosen = current.data.retention;
  const shown = draft ?? {
    days: String((chosen ?? props.defaults).days),
    maxEvents: String((chosen ?? props.defaults).maxEvents),
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate(
      { retention: { days: Number(shown.days), maxEvents: Number(shown.maxEvents) } },
      { onSuccess: () => setDraft(null) },
    );
  };

  return (
    <section>
      <h1>Settings</h1>
      <h2>Retention</h2>
      <p className="muted">
        Events older than this, and the oldest beyond the count, are deleted in small batches each minute
        (ingest goes on meanwhile). The dashboard&apos;s counts follow the age limit.{" "}
        {chosen
          ? "Set here."
          : `The server's defaults apply (VIGIL_RETENTION_DAYS ${props.defaults.days}, VIGIL_RETENTION_MAX_EVENTS ${props.defaults.maxEvents}).`}
      </p>
      <form className="row inline-form" onSubmit={submit} aria-label="Retention">
        <label className="field">
          Keep events for (days)
          <input
            type="number"
            min={1}
            max={3650}
            required
            value={shown.days}
            onChange={(e) => setDraft({ ...shown, days: e.target.value })}
          />
        </label>
        <label className="field">
          Keep at most (events)
          <input
            type="number"
            min={1000}
            required
            value={shown.maxEvents}
            onChange={(e) => setDraft({ ...shown, maxEvents: e.target.value })}
          />
        </label>
        <button type="submit" disabled={update.isPending}>
          Save
        </button>
        {chosen && (
          <button
            type="button"
            className="quiet"
            onClick={() => update.mutate({ retention: null }, { onSuccess: () => setDraft(null) })}
          >
            Use the server&apos;s defaults
          </button>
        )}
      </form>
      {update.error && <p className="error">{update.error.message}</p>}
      {update.isSuccess && !draft && <p role="status">Saved: it applies at the next retention run.</p>}
    </section>
  );
}
