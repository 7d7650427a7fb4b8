"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTRPC } from "@/trpc/react";

const roles = ["viewer", "analyst", "admin"] as const;
type Role = (typeof roles)[number];
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function Users({ me }: { me: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const users = useQuery(trpc.users.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
  const create = useMutation(trpc.users.create.mutationOptions({ onSuccess: refresh }));
  const update = useMutation(trpc.users.update.mutationOptions({ onSuccess: refresh }));
  const [draft, setDraft] = useState({ name: "", role: "viewer" as Role, password: "" });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(draft, { onSuccess: () => setDraft({ name: "", role: "viewer", password: "" }) });
  };

  return (
    <section>
      <h1>Users</h1>
      <form className="row inline-form" onSubmit={submit} aria-label="New user">
        <label className="field">
          Name
          <input value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} required />
        </label>
        <label className="field">
          Role
          <select value={draft.role} onChange={(e) => setDraft({ ...draft, role: e.target.value as Role })}>
            {roles.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label className="field">
          Password (12+ characters)
          <input
            type="password"
            autoComplete="new-password"
            value={draft.password}
            onChange={(e) => setDraft({ ...draft, password: e.target.value })}
            required
          />
        </label>
        <button type="submit" disabled={create.isPending}>
          Create user
        </button>
      </form>
      {(create.error ?? update.error) && <p className="error">{(create.error ?? update.error)?.message}</p>}
      {users.isError ? (
        <p role="alert" className="error">
          Cannot load users: {users.error.message}
        </p>
      ) : users.isPending ? (
        <p className="muted">Loading…</p>
      ) : (
        <table className="events plain">
          <thead>
            <tr>
              <th>Name</th>
              <th>Role</th>
              <th>Created</th>
              <th>State</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {users.data.map((u) => (
              <tr key={u.id}>
                <td>
                  {u.name}
                  {u.name === me && <span className="muted"> (you)</span>}
                </td>
                <td>
                  <select
                    aria-label={`Role of ${u.name}`}
                    value={u.role}
                    onChange={(e) => update.mutate({ id: u.id, role: e.target.value as Role })}
                  >
                    {roles.map((r) => (
                      <option key={r}>{r}</option>
                    ))}
                  </select>
                </td>
                <td className="mono">{day(u.createdMs)}</td>
                <td>{u.disabledMs ? "disabled" : "active"}</td>
                <td>
                  <button
                    type="button"
                    className="quiet"
                    onClick={() => update.mutate({ id: u.id, disabled: !u.disabledMs })}
                  >
                    {u.disabledMs ? "Enable" : "Disable"}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="muted">Changing a role or disabling an account signs that user out at once.</p>
    </section>
  );
}
