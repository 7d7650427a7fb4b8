import { describe, expect, it } from "vitest";
import { exposition, samplesOf } from "./exposition";
import { Histogram } from "./histogram";

describe("exposition", () => {
  it("writes HELP, TYPE and one line per sample, escaping help text and label values", () => {
    const text = exposition([
      {
        name: "vigil_ingest_events_total",
        help: "Events from agents, by result.\nSecond line \\ here.",
        type: "counter",
        samples: [
          { labels: { result: "accepted" }, value: 12 },
          { labels: { result: 'a "quoted"\\ \nvalue' }, value: 0 },
        ],
      },
      { name: "vigil_hosts", help: "Hosts.", type: "gauge", samples: [{ value: 2.5 }] },
      {
        name: "vigil_drops_total",
        help: "Drops.",
        type: "counter",
        samples: samplesOf("kind", { exec: 18446744073709551615n, fork: 3n }),
      },
      {
        name: "vigil_odd",
        help: "Odd values.",
        type: "gauge",
        samples: [{ value: Number.NaN }, { value: Number.POSITIVE_INFINITY }, { value: -Infinity }],
      },
    ]);
    expect(text).toBe(
      [
        "# HELP vigil_ingest_events_total Events from agents, by result.\\nSecond line \\\\ here.",
        "# TYPE vigil_ingest_events_total counter",
        'vigil_ingest_events_total{result="accepted"} 12',
        'vigil_ingest_events_total{result="a \\"quoted\\"\\\\ \\nvalue"} 0',
        "# HELP vigil_hosts Hosts.",
        "# TYPE vigil_hosts gauge",
        "vigil_hosts 2.5",
        "# HELP vigil_drops_total Drops.",
        "# TYPE vigil_drops_total counter",
        'vigil_drops_total{kind="exec"} 18446744073709551615',
        'vigil_drops_total{kind="fork"} 3',
        "# HELP vigil_odd Odd values.",
        "# TYPE vigil_odd gauge",
        "vigil_odd NaN",
        "vigil_odd +Inf",
        "vigil_odd -Inf",
        "",
      ].join("\n"),
    );
  });

  it("writes a histogram as cumulative buckets up to +Inf, then its sum and count", () => {
    const histogram = new Histogram([0.1, 1, 10]);
    histogram.observe(0.05);
    histogram.observe(0.1); // a bound belongs to its own bucket (le: less or equal)
    histogram.observe(5, 3);
    histogram.observe(60);
    const text = exposition([
      {
        name: "vigil_ship_latency_seconds",
        help: "Latency.",
        type: "histogram",
        samples: [{ labels: { stream: "s" }, histogram }],
      },
    ]);
    expect(text).toBe(
      [
        "# HELP vigil_ship_latency_seconds Latency.",
        "# TYPE vigil_ship_latency_seconds histogram",
        'vigil_ship_latency_seconds_bucket{stream="s",le="0.1"} 2',
        'vigil_ship_latency_seconds_bucket{stream="s",le="1"} 2',
        'vigil_ship_latency_seconds_bucket{stream="s",le="10"} 5',
        'vigil_ship_latency_seconds_bucket{stream="s",le="+Inf"} 6',
        'vigil_ship_latency_seconds_sum{stream="s"} 75.15',
        'vigil_ship_latency_seconds_count{stream="s"} 6',
        "",
      ].join("\n"),
    );
  });

  it("writes an empty histogram with zero buckets and no labels", () => {
    const text = exposition([
      { name: "h", help: "H.", type: "histogram", samples: [{ histogram: new Histogram([1]) }] },
    ]);
    expect(text).toContain('h_bucket{le="1"} 0\nh_bucket{le="+Inf"} 0\nh_sum 0\nh_count 0\n');
  });

  it("refuses names Prometheus would not read, and bounds that do not increase", () => {
    const gauge = (name: string, label = "ok") => ({
      name,
      help: "x",
      type: "gauge" as const,
      samples: [{ labels: { [label]: "v" }, value: 1 }],
    });
    expect(() => exposition([gauge("9lives")])).toThrow(/invalid metric name/);
    expect(() => exposition([gauge("vigil-x")])).toThrow(/invalid metric name/);
    expect(() => exposition([gauge("ok", "bad-label")])).toThrow(/invalid label name/);
    expect(() => exposition([gauge("ok", "__reserved")])).toThrow(/invalid label name/);
    expect(() => new Histogram([1, 1])).toThrow(/increase/);
  });
});
