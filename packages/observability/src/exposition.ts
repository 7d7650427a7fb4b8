import type { Histogram } from "./histogram";

export type Labels = Readonly<Record<string, string>>;
export type Sample = { labels?: Labels; value: number | bigint };

/** One metric and its samples, read from the counters it reports at the time of the scrape. */
export type Family = { name: string; help: string } & (
  | { type: "counter" | "gauge"; samples: Sample[] }
  | { type: "histogram"; samples: { labels?: Labels; histogram: Histogram }[] }
);

/** The Content-Type of Prometheus' text exposition format, version 0.0.4. */
export const expositionContentType = "text/plain; version=0.0.4; charset=utf-8";

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const escapeHelp = (text: string) => text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
const escapeLabel = (text: string) =>
  text.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");

function number(value: number | bigint): string {
  if (typeof value === "bigint") return value.toString();
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

function labelText(labels: Labels | undefined, extra?: [string, string]): string {
  const pairs = Object.entries(labels ?? {});
  if (extra) pairs.push(extra);
  if (pairs.length === 0) return "";
  for (const [name] of pairs) {
    if (!labelName.test(name) || name.startsWith("__")) throw new Error(`invalid label name ${name}`);
  }
  return `{${pairs.map(([name, value]) => `${name}="${escapeLabel(value)}"`).join(",")}}`;
}

/** The families in the text exposition format (0.0.4): HELP, TYPE, then one line per sample. */
export function exposition(families: readonly Family[]): string {
  let text = "";
  for (const family of families) {
    if (!metricName.test(family.name)) throw new Error(`invalid metric name ${family.name}`);
    text += `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`;
    if (family.type !== "histogram") {
      for (const { labels, value } of family.samples) {
        text += `${family.name}${labelText(labels)} ${number(value)}\n`;
      }
      continue;
    }
    for (const { labels, histogram } of family.samples) {
      let cumulative = 0;
      histogram.bounds.forEach((bound, i) => {
        cumulative += histogram.counts[i] ?? 0;
        text += `${family.name}_bucket${labelText(labels, ["le", number(bound)])} ${cumulative}\n`;
      });
      text += `${family.name}_bucket${labelText(labels, ["le", "+Inf"])} ${histogram.count}\n`;
      text += `${family.name}_sum${labelText(labels)} ${number(histogram.sum)}\n`;
      text += `${family.name}_count${labelText(labels)} ${histogram.count}\n`;
    }
  }
  return text;
}

/** One sample per entry of a record of counts (events by type, drops by kind), labelled `label`. */
export const samplesOf = (label: string, counts: Readonly<Record<string, number | bigint>>): Sample[] =>
  Object.entries(counts).map(([key, value]) => ({ labels: { [label]: key }, value }));

/** A family of one unlabelled counter or gauge. */
export const counter = (name: string, help: string, value: number | bigint): Family => ({
  name,
  help,
  type: "counter",
  samples: [{ value }],
});
export const gauge = (name: string, help: string, value: number | bigint): Family => ({
  name,
  help,
  type: "gauge",
  samples: [{ value }],
});
