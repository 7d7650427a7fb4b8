"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { AlertView } from "@vigil/api";
import { printable } from "@/components/printable";
import { useTRPC } from "@/trpc/react";

const clock = (time: string) => `${time.slice(0, 10)} ${time.slice(11, 19)}`;

export function Severity({ level }: { level: string }) {
  return <span className={`severity severity-${level}`}>{level}</span>;
}

/** "fired 37 times on 4 hosts" */
export function Spread({ alert }: { alert: AlertView }) {
  const hosts = alert.hosts.length === 1 ? printable(alert.hosts[0] ?? "") : `${alert.hosts.length} hosts`;
  return (
    <span>
      {alert.count === 1 ? "once" : `${alert.count} times`} on {hosts}
      <span className="muted">
        {" "}
        · {clock(alert.first)}
        {alert.count > 1 && ` – ${clock(alert.last)}`} UTC
      </span>
    </span>
  );
}

/** Acknowledge, resolve or reopen, and take or leave an alert (analysts and admins). */
export function TriageButtons({ alert, me }: { alert: AlertView; me: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const update = useMutation(
    trpc.alerts.update.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.alerts.pathKey() }),
    }),
  );
  const set = (change: { status?: AlertView["status"]; assignee?: string | null }) =>
    update.mutate({ id: alert.id, ...change });
  return (
    <span className="triage">
      {alert.status === "new" && (
        <button type="button" className="quiet" onClick={() => set({ status: "acknowledged" })}>
          Acknowledge
        </button>
      )}
      {alert.status !== "resolved" ? (
        <button type="button" className="quiet" onClick={() => set({ status: "resolved" })}>
          Resolve
        </button>
      ) : (
        <button type="button" className="quiet" onClick={() => set({ status: "acknowledged" })}>
          Reopen
        </button>
      )}
      {alert.assignee === me ? (
        <button type="button" className="quiet" onClick={() => set({ assignee: null })}>
          Unassign
        </button>
      ) : (
        <button type="button" className="quiet" onClick={() => set({ assignee: me })}>
          Assign to me
        </button>
      )}
      {update.error && <span className="error">{update.error.message}</span>}
    </span>
  );
}
