"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { parseLabels } from "@/components/labels";
import { printable } from "@/components/printable";
import { useTRPC } from "@/trpc/react";
import { minuteUtc, NewToken, RevokeCell } from "../token-parts";

const optionalNumber = (text: string) => (text.trim() === "" ? undefined : Number(text));

export function EnrollmentTokens() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const tokens = useQuery(trpc.enrollment.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.enrollment.list.queryKey() });
  const create = useMutation(trpc.enrollment.create.mutationOptions({ onSuccess: refresh }));
  const revoke = useMutation(trpc.enrollment.revoke.mutationOptions({ onSuccess: refresh }));
  const [name, setName] = useState("");
  const [labelText, setLabelText] = useState("");
  const [expiresDays, setExpiresDays] = useState("");
  const [maxUses, setMaxUses] = useState("");
  const [formError, setFormError] = useState<string | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const labels = parseLabels(labelText);
    if (typeof labels === "string") {
      setFormError(`Labels: ${labels}; write them as env=prod, team=web`);
      return;
    }
    setFormError(null);
    create.mutate({
      name,
      labels,
      expiresDays: optionalNumber(expiresDays),
      maxUses: optionalNumber(maxUses),
    });
  };

  return (
    <section>
      <h1>Enrollment tokens</h1>
      <p className="muted">
        An agent presents one once, on its first start (<code>vigil-agent run --enroll-token vge_…</code>),
        and gets its own credential; hosts that enroll with a token get its labels.
      </p>
      <form className="row inline-form" onSubmit={submit} aria-label="New enrollment token">
        <label className="field">
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
        </label>
        <label className="field">
          Labels
          <input
            value={labelText}
            onChange={(e) => setLabelText(e.target.value)}
            placeholder="env=prod, team=web"
          />
        </label>
        <label className="field">
          Expires in (days)
          <input
            type="number"
            min={1}
            max={3650}
            value={expiresDays}
            onChange={(e) => setExpiresDays(e.target.value)}
          />
        </label>
        <label className="field">
          Max uses
          <input type="number" min={1} value={maxUses} onChange={(e) => setMaxUses(e.target.value)} />
        </label>
        <button type="submit" disabled={create.isPending}>
          Create token
        </button>
      </form>
      {(formError ?? create.error) && <p className="error">{formError ?? create.error?.message}</p>}
      {create.data && <NewToken token={create.data.token} />}
      {tokens.isError ? (
        <p role="alert" className="error">
          Cannot load enrollment tokens: {tokens.error.message}
        </p>
      ) : tokens.isPending ? (
        <p className="muted">Loading…</p>
      ) : tokens.data.length === 0 ? (
        <p className="muted">No enrollment tokens yet.</p>
      ) : (
        <table className="events plain enrollment">
          <thead>
            <tr>
              <th>Id</th>
              <th>Name</th>
              <th>Labels</th>
              <th>Uses</th>
              <th>Created (UTC)</th>
              <th>Expires</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {tokens.data.map((t) => (
              <tr key={t.id}>
                <td className="mono">{t.id}</td>
                <td>{printable(t.name)}</td>
                <td className="mono">
                  {Object.entries(t.labels)
                    .map(([k, v]) => `${printable(k)}=${printable(v)}`)
                    .join(", ")}
                </td>
                <td className="mono">
                  {t.uses}
                  {t.maxUses !== null && ` of ${t.maxUses}`}
                </td>
                <td className="mono">{minuteUtc(t.createdMs)}</td>
                <td className="mono">{minuteUtc(t.expiresMs)}</td>
                <RevokeCell revokedMs={t.revokedMs} onRevoke={() => revoke.mutate({ id: t.id })} />
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
