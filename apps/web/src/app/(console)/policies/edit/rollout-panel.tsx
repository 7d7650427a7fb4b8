"use client";
import { useQuery } from "@tanstack/react-query";
import { printable } from "@/components/printable";
import { useTRPC } from "@/trpc/react";
import { minuteUtc } from "../../admin/token-parts";

const REFRESH_MS = 2_000;

/** Each host the policy selects: whether it applies the version in force, failed to, or has not yet. */
export function RolloutPanel({ name }: { name: string }) {
  const trpc = useTRPC();
  const rollout = useQuery(trpc.policies.rollout.queryOptions({ name }, { refetchInterval: REFRESH_MS }));
  if (!rollout.data) return null;
  const { version, hosts } = rollout.data;
  const applied = hosts.filter((h) => h.state === "applied").length;
  return (
    <section className="panel rollout" aria-label="Hosts">
      <h2>Hosts</h2>
      <p className="muted">
        Version {version} is applied on {applied} of the {hosts.length} hosts the selector picks.
      </p>
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
