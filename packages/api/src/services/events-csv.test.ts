import { vigilEventSchema } from "@vigil/events";
import { validEvent } from "@vigil/events/fixtures";
import { describe, expect, it } from "vitest";
import { csvField, csvHeader, csvRow } from "./events-csv";

describe("events as CSV", () => {
  it("quotes what needs quoting and defuses spreadsheet formulas from hosts", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField('say "hi", then\nleave')).toBe('"say ""hi"", then\nleave"');
    expect(csvField('=HYPERLINK("http://evil")')).toBe('"\'=HYPERLINK(""http://evil"")"');
    expect(csvField("-e")).toBe("'-e");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField(-1)).toBe("-1"); // numbers are numbers
    expect(csvField(" padded")).toBe('" padded"');
  });

  it("writes one row per event with as many fields as the header", () => {
    const event = vigilEventSchema.parse({
      ...validEvent("exec"),
      process: { ...(validEvent("exec").process as object), argv: ["sh", "-c", "a,b"] },
    });
    const row = csvRow(event);
    expect(row.endsWith("\r\n")).toBe(true);
    expect(row).toContain('"[""sh"",""-c"",""a,b""]"');
    expect(row.startsWith("2026-11-28T22:09:18.123456789Z,exec,web-1,4242,4100,1000,/usr/bin/curl,")).toBe(
      true,
    );
    expect(csvHeader.split(",")).toHaveLength(10);
  });
});
