import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  matches,
  nearest,
  runScenario,
  type ScenarioReport,
  scenarioFiles,
  Tail,
  type TailResult,
} from "./harness";

// Every scenario runs while one agent tails the real kernel; then each report is checked against the stream.
describe("the sensor on the real kernel reports each attack scenario", () => {
  const files = scenarioFiles();
  const reports = new Map<string, ScenarioReport>();
  let result: TailResult;

  beforeAll(async () => {
    const tail = await Tail.start();
    try {
      for (const file of files) reports.set(file, await runScenario(file));
      await new Promise((resolve) => setTimeout(resolve, 1500));
    } finally {
      result = await tail.stop();
    }
  }, 300_000);

  afterAll(() => {
    if (result?.summary.badFrames) throw new Error(`bad frames:\n${result.stderr}`);
  });

  it("ran every scenario and stopped cleanly", () => {
    expect(reports.size).toBe(files.length);
    expect(result.code).toBe(0);
    expect(result.summary.mode).toBe("tracepoint");
    expect(result.summary.kernel.dropped).toEqual({});
  });

  for (const file of files) {
    const name = file.split("/").slice(-1)[0] ?? file;
    it(`${name}: every expected event is reported, no forbidden one`, () => {
      const report = reports.get(file);
      expect(report, `scenario ${name} printed no report`).toBeDefined();
      if (!report) return;
      for (const want of report.expect) {
        const found = result.events.some((event) => matches(event, want));
        expect(
          found,
          `${name}: no event matches ${JSON.stringify(want)}\nnearest: ${JSON.stringify(nearest(result.events, want))}`,
        ).toBe(true);
      }
      for (const forbidden of report.forbid ?? []) {
        const hit = result.events.find((event) => matches(event, forbidden));
        expect(hit, `${name}: forbidden event reported: ${JSON.stringify(hit)}`).toBeUndefined();
      }
    });
  }
});
