"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { printable } from "@/components/printable";
import { useTRPC } from "@/trpc/react";
import { minuteUtc, NewToken, RevokeCell } from "../token-parts";

const roles = ["viewer", "analyst", "admin"] as const;

export function ApiTokens() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const tokens = useQuery(trpc.tokens.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.tokens.list.queryKey() });
  const create = useMutation(trpc.tokens.create.mutationOptions({ onSuccess: refresh }));
  const revoke = useMutation(trpc.tokens.revoke.mutationOptions({ onSuccess: refresh }));
  const [name, setName] = useState("");
  const [role, setRole] = useState<(typeof roles)[number]>("viewer");

  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name, role });
  };

  return (
    <section>
      <h1>API tokens</h1>
      <p className="muted">
        For scripts and other tools: <code>Authorization: Bearer vgt_…</code> on <code>/api/v1/events</code>{" "}
        and the console&apos;s procedures, limited to the token&apos;s role.
      </p>
      <form className="row inline-form" onSubmit={submit} aria-label="New API token">
        <label className="field">
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
        </label>
        <label className="field">
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as (typeof roles)[number])}>
            {roles.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={create.isPending}>
          Create token
        </button>
      </form>
      {create.error && <p className="error">{create.error.message}</p>}
      {create.data && <NewToken token={create.data.token} />}
      {tokens.isError ? (
        <p role="alert" className="error">
          Cannot load tokens: {tokens.error.message}
        </p>
      ) : tokens.isPending ? (
        <p className="muted">Loading…</p>
      ) : tokens.data.length === 0 ? (
        <p className="muted">No API tokens yet.</p>
      ) : (
        <table className="events plain">
          <thead>
            <tr>
              <th>Id</th>
              <th>Name</th>
              <th>Role</th>
              <th>Created (UTC)</th>
              <th>Last used</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {tokens.data.map((t) => (
              <tr key={t.id}>
                <td className="mono">{t.id}</td>
                <td>{printable(t.name)}</td>
                <td>{t.role}</td>
                <td className="mono">{minuteUtc(t.createdMs)}</td>
                <td className="mono">{minuteUtc(t.lastUsedMs)}</td>
                <RevokeCell revokedMs={t.revokedMs} onRevoke={() => revoke.mutate({ id: t.id })} />
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
