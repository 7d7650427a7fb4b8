"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { printable } from "@/components/printable";
import { useTRPC } from "@/trpc/react";
import { minuteUtc } from "../../admin/token-parts";

const REFRESH_MS = 2_000;

/**
 * Each host the policy selects: whether it applies the version meant for it, failed to, or has not yet; while a
 * canary runs, which hosts have it, and (for admins) the promotion to all.
 */
export function RolloutPanel({ name, admin }: { name: string; admin: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const rollout = useQuery(trpc.policies.rollout.queryOptions({ name }, { refetchInterval: REFRESH_MS }));
  const promote = useMutation(
    trpc.policies.promote.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.policies.rollout.queryKey({ name }) }),
    }),
  );
  if (!rollout.data) return null;
  const { version, canary, hosts } = rollout.data;
  const onCanary = hosts.filter((h) => h.canary);
  const applied = (list: typeof hosts) => list.filter((h) => h.state === "applied").length;
  return (
    <section className="panel rollout" aria-label="Hosts">
      <h2>Hosts</h2>
      {canary ? (
        <div className="canary">
          <p>
            Canary: version {version} is applied on {applied(onCanary)} of the {onCanary.length} canary hosts;
            the other {hosts.length - onCanary.length} keep{" "}
            {canary.stableVersion ? `version ${canary.stableVersion}` : "no version of this policy"}.
          </p>
          {admin && (
            <button type="button" disabled={promote.isPending} onClick={() => promote.mutate({ name })}>
              Promote version {version} to all hosts
            </button>
          )}
          {promote.error && <p className="error">Not promoted: {promote.error.message}</p>}
        </div>
      ) : (
        <p className="muted">
          Version {version} is applied on {applied(hosts)} of the {hosts.length} hosts the selector picks.
        </p>
      )}
      {hosts.length > 0 && (
        <table className="events plain">
          <thead>
            <tr>
              <th>Host</th>
              <th>State</th>
              <th>Enforcing</th>
              <th>Last seen (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {hosts.map((h) => (
              <tr key={h.name}>
                <td>{printable(h.name)}</td>
                <td>
                  <span className={`badge state-${h.state}`}>
                    {h.state === "applied"
                      ? `version ${h.version} applied`
                      : h.state === "failed"
                        ? "failed"
                        : h.version
                          ? `pending (applies version ${h.version})`
                          : "pending"}
                  </span>
                  {h.canary && <span className="badge">canary</span>}
                  {h.error && <div className="error">{printable(h.error)}</div>}
                </td>
                <td>{h.enforcing ? "yes" : "no: deny rules are reported as audit"}</td>
                <td className="mono nowrap">{minuteUtc(h.lastSeenMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
