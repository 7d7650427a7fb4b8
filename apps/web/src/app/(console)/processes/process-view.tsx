"use client";
import { useQuery } from "@tanstack/react-query";
import type { ProcessNode } from "@vigil/db";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { commandLine, printable } from "@/components/printable";
import { useTRPC } from "@/trpc/react";
import { shortTime } from "../events/columns";

export const processHref = (host: string, pid: number, at: string) =>
  `/processes?${new URLSearchParams({ host, pid: String(pid), at })}`;

function Lifetime({ node }: { node: ProcessNode }) {
  return (
    <span className="muted lifetime">
      {node.start ? `forked ${shortTime(node.start)}` : "started before the recorded events"}
      {node.exit &&
        ` · exited ${shortTime(node.exit.time)} ${node.exit.signal ? `by signal ${node.exit.signal}` : `with code ${node.exit.code}`}`}
    </span>
  );
}

function Alerts({ node, host }: { node: ProcessNode; host: string }) {
  if (node.alerts.length === 0) return null;
  const counts = new Map<string, number>();
  for (const a of node.alerts) counts.set(a.type, (counts.get(a.type) ?? 0) + 1);
  return (
    <span className="alerts">
      {[...counts].map(([type, count]) => (
        <Link
          key={type}
          className={`alert type-${type}`}
          href={`/events?${new URLSearchParams({ range: "all", type, host, pid: String(node.pid) })}`}
        >
          ⚠ {type}
          {count > 1 ? ` ×${count}` : ""}
        </Link>
      ))}
    </span>
  );
}

function NodeLine({
  node,
  host,
  at,
  focus,
}: {
  node: ProcessNode;
  host: string;
  at: string;
  focus?: boolean;
}) {
  const ran = node.execs.at(-1);
  const when = node.start ?? node.execs[0]?.time ?? at;
  return (
    <div className={`process ${focus ? "focus" : ""} ${node.alerts.length ? "has-alerts" : ""}`}>
      <Link href={processHref(host, node.pid, when)} className="mono pid">
        {node.pid}
      </Link>
      <span className="mono exe">{printable(node.exe || node.comm || "?")}</span>
      {ran && <span className="mono argv">{commandLine(ran.argv)}</span>}
      {node.uid !== null && <span className="muted">uid {node.uid}</span>}
      <Lifetime node={node} />
      <Alerts node={node} host={host} />
      {node.execs.length > 1 && (
        <span className="muted">ran {node.execs.map((e) => printable(e.exe)).join(" → ")}</span>
      )}
    </div>
  );
}

function Subtree({ node, host, at }: { node: ProcessNode; host: string; at: string }) {
  return (
    <ul className="tree">
      {node.children.map((child, i) => (
        <li key={`${child.pid}-${child.start ?? i}`}>
          <NodeLine node={child} host={host} at={at} />
          {(child.children.length > 0 || child.more > 0) && <Subtree node={child} host={host} at={at} />}
        </li>
      ))}
      {node.more > 0 && <li className="muted">… {node.more} more children not shown</li>}
    </ul>
  );
}

export function ProcessView() {
  const trpc = useTRPC();
  const params = useSearchParams();
  const host = params.get("host") ?? "";
  const pid = Number(params.get("pid"));
  const at = params.get("at") ?? "";
  const valid = host !== "" && Number.isInteger(pid) && pid >= 0 && at !== "";
  const tree = useQuery({ ...trpc.processes.tree.queryOptions({ host, pid, at }), enabled: valid });
  if (!valid)
    return <p className="error">Open a process from an event: this link lacks its host, pid or time.</p>;
  if (tree.isError)
    return (
      <p role="alert" className="error">
        Cannot show this process: {tree.error.message}
      </p>
    );
  if (tree.isPending) return <p className="muted">Loading the process tree…</p>;
  const { ancestors, focus, truncated } = tree.data;
  return (
    <section className="process-view">
      <h1>
        Process {focus.pid} <span className="muted">{printable(focus.exe)}</span>
      </h1>
      <h2>Ancestry</h2>
      <ol className="ancestry">
        {ancestors.map((a) => (
          <li key={`${a.pid}-${a.start}`}>
            <NodeLine node={a} host={host} at={at} />
          </li>
        ))}
        <li>
          <NodeLine node={focus} host={host} at={at} focus />
        </li>
      </ol>
      <h2>Descendants</h2>
      {focus.children.length === 0 ? (
        <p className="muted">It forked no process while recorded.</p>
      ) : (
        <Subtree node={focus} host={host} at={at} />
      )}
      {truncated && <p className="muted">The tree is cut at 400 processes; open a child to see below it.</p>}
    </section>
  );
}
