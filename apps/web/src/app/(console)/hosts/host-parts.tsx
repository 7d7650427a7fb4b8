import { Area, AreaChart, ResponsiveContainer } from "recharts";
import { printable } from "@/components/printable";

export type HostStatus = "online" | "stale" | "offline";

export function StatusBadge({ status }: { status: HostStatus }) {
  return <span className={`host-status host-${status}`}>{status}</span>;
}

/** The sensor's mode, what it means, and why (the reason the agent gave is the title). */
export function SensorMode(props: { mode: string | null; reason: string | null; lsmLostMs: number | null }) {
  const text =
    props.mode === "lsm"
      ? "lsm · enforces"
      : props.mode === "tracepoint"
        ? "tracepoint · observes"
        : "no sensor";
  return (
    <span title={props.reason ? printable(props.reason) : undefined}>
      {text}
      {props.lsmLostMs !== null && (
        <span
          className="fell-back"
          title="This host's sensor ran in lsm mode before: it can no longer enforce"
        >
          {" "}
          fell back
        </span>
      )}
    </span>
  );
}

export function Labels({ labels }: { labels: Record<string, string> }) {
  const entries = Object.entries(labels);
  if (entries.length === 0) return <span className="muted">—</span>;
  return (
    <span className="labels">
      {entries.map(([k, v]) => (
        <span key={k} className="label mono">
          {printable(k)}={printable(v)}
        </span>
      ))}
    </span>
  );
}

export function Sparkline({ points }: { points: number[] }) {
  const total = points.reduce((a, b) => a + b, 0);
  return (
    <span className="spark" title={`${total.toLocaleString()} events in the last ${points.length} minutes`}>
      <ResponsiveContainer width="100%" height={22}>
        <AreaChart data={points.map((n, i) => ({ i, n }))} margin={{ top: 1, right: 0, bottom: 0, left: 0 }}>
          <Area
            type="step"
            dataKey="n"
            stroke="var(--accent)"
            fill="var(--accent)"
            fillOpacity={0.3}
            isAnimationActive={false}
          />
        </AreaChart>
      </ResponsiveContainer>
    </span>
  );
}

/** "12 s ago", "3 min ago", ... relative to the server's clock when it answered. */
export function ago(ms: number, nowMs: number): string {
  const s = Math.max(0, Math.round((nowMs - ms) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} days ago`;
}
