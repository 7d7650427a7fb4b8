"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { HostDetail } from "@vigil/api";
import Link from "next/link";
import { type FormEvent, useState } from "react";
import {
  Bar,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { parseLabels } from "@/components/labels";
import { commandLine, printable } from "@/components/printable";
import { useTRPC } from "@/trpc/react";
import { Severity } from "../../alerts/alert-parts";
import { ago, Labels, SensorMode, StatusBadge } from "../host-parts";

function LabelEditor({ id, labels }: { id: number; labels: Record<string, string> }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const save = useMutation(
    trpc.hosts.setLabels.mutationOptions({
      onSuccess: () => {
        setText(null);
        return queryClient.invalidateQueries({ queryKey: trpc.hosts.get.queryKey({ id }) });
      },
    }),
  );
  if (text === null) {
    return (
      <button
        type="button"
        className="quiet"
        onClick={() =>
          setText(
            Object.entries(labels)
              .map(([k, v]) => `${k}=${v}`)
              .join("\n"),
          )
        }
      >
        Edit labels
      </button>
    );
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const labels = parseLabels(text);
    setError(typeof labels === "string" ? labels : null);
    if (typeof labels !== "string") save.mutate({ id, labels });
  };
  return (
    <form className="stack label-editor" onSubmit={submit}>
      <label>
        Labels (key=value, one per line): policies select hosts by them
        <textarea rows={4} value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      {(error ?? save.error?.message) && (
        <p role="alert" className="error">
          {error ?? save.error?.message}
        </p>
      )}
      <div className="row">
        <button type="submit" disabled={save.isPending}>
          Save labels
        </button>{" "}
        <button type="button" className="quiet" onClick={() => setText(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Admin actions on the host's enrolled agent: a new credential, or refusing it altogether. */
function AgentActions({ id, name }: { id: number; name: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const onSuccess = () => queryClient.invalidateQueries({ queryKey: trpc.hosts.get.queryKey({ id }) });
  const rotate = useMutation(trpc.hosts.rotateCredential.mutationOptions({ onSuccess }));
  const revoke = useMutation(trpc.hosts.revokeAgent.mutationOptions({ onSuccess }));
  const confirmed = (question: string) => window.confirm(question);
  const error = rotate.error ?? revoke.error;
  return (
    <>
      <button
        type="button"
        onClick={() =>
          confirmed(
            `Give the agent of ${name} a new credential? It fetches one with its next heartbeat; the old one is refused once the new one is used.`,
          ) && rotate.mutate({ id })
        }
        disabled={rotate.isPending}
      >
        Rotate credential
      </button>{" "}
      <button
        type="button"
        className="danger"
        onClick={() =>
          confirmed(
            `Revoke the agent of ${name}? It is refused from now on, until it enrolls again with a token.`,
          ) && revoke.mutate({ id })
        }
        disabled={revoke.isPending}
      >
        Revoke agent
      </button>
      {error && (
        <p role="alert" className="error">
          {error.message}
        </p>
      )}
    </>
  );
}

/** Where the agent's credential stands: a rotation waiting for the agent, or when it last took a new one. */
function CredentialState({
  agent,
  nowMs,
}: {
  agent: Pick<HostDetail["agents"][number], "rotateRequestedMs" | "rotatedMs">;
  nowMs: number;
}) {
  if (agent.rotateRequestedMs !== null)
    return (
      <span className="warn small">
        {" "}
        · new credential asked {ago(agent.rotateRequestedMs, nowMs)}: waiting for the agent to take it
      </span>
    );
  if (agent.rotatedMs !== null)
    return (
      <span className="muted small">
        {" "}
        · credential rotated {new Date(agent.rotatedMs).toISOString().slice(0, 16).replace("T", " ")}
      </span>
    );
  return null;
}

/** Each change in what the agent said it applies, newest first. */
function PolicyHistory({ changes }: { changes: HostDetail["policyHistory"] }) {
  return (
    <div className="card panel">
      <h2>Policy history</h2>
      {changes.length === 0 ? (
        <p className="muted">The agent has not reported the policies it applies yet.</p>
      ) : (
        <ul className="plain-list small policy-history">
          {changes.map((c) => (
            <li key={`${c.timeMs}-${c.hash}`}>
              <span className="mono">{new Date(c.timeMs).toISOString().slice(0, 19).replace("T", " ")}</span>{" "}
              {c.applied.length === 0
                ? "no policy applied"
                : c.applied.map((p, i) => (
                    <span key={p.name}>
                      {i > 0 && ", "}
                      <Link href={`/policies/edit?${new URLSearchParams({ name: p.name })}`}>{p.name}</Link> v
                      {p.version}
                    </span>
                  ))}
              <span className="muted"> · {c.enforcing ? "enforcing" : "not enforcing"}</span>
              {c.error && <div className="error">{printable(c.error)}</div>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function RecentEvents({ machineId }: { machineId: string }) {
  const trpc = useTRPC();
  const events = useQuery(
    trpc.events.list.queryOptions({ host: machineId, limit: 20 }, { refetchInterval: 10_000 }),
  );
  return (
    <div className="card panel">
      <h2>
        Recent events{" "}
        <Link className="small" href={`/events?${new URLSearchParams({ host: machineId, range: "all" })}`}>
          all in the explorer
        </Link>
      </h2>
      {events.isError ? (
        <p role="alert" className="error">
          Cannot load events: {events.error.message}
        </p>
      ) : !events.data ? (
        <p className="muted">Loading…</p>
      ) : events.data.events.length === 0 ? (
        <p className="muted">No events stored from this host.</p>
      ) : (
        <table className="events plain">
          <tbody>
            {events.data.events.map((e) => (
              <tr key={e.id}>
                <td className="mono nowrap">{e.time.slice(0, 19).replace("T", " ")}</td>
                <td>
                  <span className={`type type-${e.type}`}>{e.type}</span>
                </td>
                <td className="mono">{e.process.pid}</td>
                <td className="mono">
                  {e.type === "exec" ? commandLine(e.process.argv) : printable(e.process.exe)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function HostDetailView({ id, isAdmin }: { id: number; isAdmin: boolean }) {
  const trpc = useTRPC();
  const detail = useQuery(trpc.hosts.get.queryOptions({ id }, { refetchInterval: 10_000 }));
  if (detail.isError) {
    return (
      <p role="alert" className="error">
        Cannot load this host: {detail.error.message}
      </p>
    );
  }
  if (!detail.data) return <p className="muted">Loading…</p>;
  const { host, agents, alerts, health, policyHistory, nowMs } = detail.data;
  const chart = health.map((p) => ({ ...p, time: new Date(p.timeMs).toISOString().slice(11, 16) }));
  const active = agents.find((a) => a.revokedMs === null);
  return (
    <section className="host-detail">
      <p className="small">
        <Link href="/hosts">← Hosts</Link>
      </p>
      <h1>
        {printable(host.name)} <StatusBadge status={host.status} />
      </h1>
      <div className="card">
        <dl className="facts">
          <dt>Machine id</dt>
          <dd className="mono">{printable(host.machineId)}</dd>
          <dt>Labels</dt>
          <dd>
            <Labels labels={host.labels} /> {isAdmin && <LabelEditor id={host.id} labels={host.labels} />}
          </dd>
          <dt>Sensor</dt>
          <dd>
            <SensorMode mode={host.sensorMode} reason={host.sensorReason} lsmLostMs={host.lsmLostMs} />
            {host.sensorReason && <div className="muted small">{printable(host.sensorReason)}</div>}
          </dd>
          <dt>OS · kernel</dt>
          <dd>
            {host.os ? printable(host.os) : "—"} ·{" "}
            <span className="mono">{host.kernel ? printable(host.kernel) : "—"}</span>
          </dd>
          <dt>Agent</dt>
          <dd>
            <span className="mono">{host.agentVersion ? printable(host.agentVersion) : "—"}</span>
            {active ? (
              <span className="muted small">
                {" "}
                · enrolled {new Date(active.createdMs).toISOString().slice(0, 10)}
                <CredentialState agent={active} nowMs={nowMs} />
              </span>
            ) : (
              <span className="error small"> · revoked: refused until it enrolls again</span>
            )}
            {isAdmin && active && (
              <div>
                <AgentActions id={host.id} name={printable(host.name)} />
              </div>
            )}
          </dd>
          <dt>Last seen</dt>
          <dd title={new Date(host.lastSeenMs).toISOString()}>
            {ago(host.lastSeenMs, nowMs)} · first seen {new Date(host.firstSeenMs).toISOString().slice(0, 10)}
          </dd>
          <dt>Drops · spool</dt>
          <dd>
            {host.drops.toLocaleString()} dropped since the agent started · {host.spoolDepth.toLocaleString()}{" "}
            events waiting in its spool
          </dd>
          {host.clockSkewMs !== null && (
            <>
              <dt>Clock</dt>
              <dd className={Math.abs(host.clockSkewMs) > 30_000 ? "error" : undefined}>
                <ClockSkew skewMs={host.clockSkewMs} />
              </dd>
            </>
          )}
          {host.sensorGap && (
            <>
              <dt>Sensor gap</dt>
              <dd className={host.sensorGap.endMs === null ? "error" : undefined}>
                <SensorGap gap={host.sensorGap} nowMs={nowMs} />
              </dd>
            </>
          )}
          <dt>Policies</dt>
          <dd>
            <span className={`policy-${host.policy.state.replace(" ", "-")}`}>{host.policy.state}</span>
            {host.policy.enforcing ? " · enforcing" : " · not enforcing"}
            {host.policy.error && <div className="error small">{printable(host.policy.error)}</div>}
            <ul className="plain-list small">
              {host.policy.expected.map((p) => {
                const applied = host.policy.applied.find((a) => a.name === p.name)?.version;
                return (
                  <li key={p.name}>
                    <Link href={`/policies/edit?${new URLSearchParams({ name: p.name })}`}>{p.name}</Link>{" "}
                    version {p.version}
                    {applied !== p.version && <span className="muted"> (applies {applied ?? "none"})</span>}
                  </li>
                );
              })}
              {host.policy.expected.length === 0 && <li className="muted">no policy selects this host</li>}
            </ul>
          </dd>
        </dl>
      </div>
      <div className="card panel">
        <h2>Agent health, last 24 hours</h2>
        <ResponsiveContainer width="100%" height={200}>
          <ComposedChart data={chart} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="time" fontSize={11} minTickGap={30} />
            <YAxis yAxisId="events" fontSize={11} width={50} />
            <YAxis yAxisId="agent" orientation="right" fontSize={11} width={50} />
            <Tooltip />
            <Legend />
            <Bar
              yAxisId="events"
              dataKey="events"
              name="events stored"
              fill="#4f7cff"
              isAnimationActive={false}
            />
            <Line
              yAxisId="agent"
              dataKey="drops"
              name="dropped (agent's count)"
              stroke="#e5484d"
              dot={false}
              connectNulls={false}
              isAnimationActive={false}
            />
            <Line
              yAxisId="agent"
              dataKey="spoolDepth"
              name="spool depth"
              stroke="#bf8700"
              dot={false}
              connectNulls={false}
              isAnimationActive={false}
            />
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      <div className="card panel">
        <h2>Alerts</h2>
        {alerts.length === 0 ? (
          <p className="muted">No alert has fired on this host.</p>
        ) : (
          <ul className="plain-list">
            {alerts.map((a) => (
              <li key={a.id}>
                <Severity level={a.severity} /> <Link href={`/alerts/${a.id}`}>{a.title}</Link>{" "}
                <span className="muted small">{a.status}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
      <PolicyHistory changes={policyHistory} />
      <RecentEvents machineId={host.machineId} />
      <div className="card panel">
        <h2>Enrollments</h2>
        <ul className="plain-list small">
          {agents.map((a) => (
            <li key={a.id} className="mono">
              {a.id} · {new Date(a.createdMs).toISOString().slice(0, 16).replace("T", " ")}
              {a.enrollToken && ` · token "${printable(a.enrollToken)}"`}
              {a.revokedMs !== null && (
                <span className="error">
                  {" "}
                  · revoked {new Date(a.revokedMs).toISOString().slice(0, 16).replace("T", " ")}
                </span>
              )}
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}

/** When the sensor last stopped and was started again: events of that time were not observed. */
function SensorGap({ gap, nowMs }: { gap: NonNullable<HostDetail["host"]["sensorGap"]>; nowMs: number }) {
  const from = new Date(gap.startMs).toISOString();
  if (gap.endMs === null) {
    return (
      <span>
        the sensor stopped {ago(gap.startMs, nowMs)} ({printable(gap.reason)}) and is not running: events are
        not observed
      </span>
    );
  }
  const seconds = ((gap.endMs - gap.startMs) / 1000).toFixed(1);
  return (
    <span title={`${from} to ${new Date(gap.endMs).toISOString()}`}>
      not observed for {seconds} s, {ago(gap.startMs, nowMs)} (the sensor {printable(gap.reason)}; the agent
      started it again)
    </span>
  );
}

/** Event times are the host's: how far its clock was off the server's at its last heartbeat. */
function ClockSkew({ skewMs }: { skewMs: number }) {
  const seconds = Math.abs(skewMs) / 1000;
  if (seconds < 1) return <span>in step with the server's (within 1 s)</span>;
  const amount = seconds < 120 ? `${seconds.toFixed(1)} s` : `${(seconds / 60).toFixed(0)} min`;
  return (
    <span>
      {amount} {skewMs > 0 ? "ahead of" : "behind"} the server's: its event times are off as much (the server
      keeps when it received each event)
    </span>
  );
}
