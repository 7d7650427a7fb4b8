import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ABI_VERSION, FRAME_MAGIC, layout, RECORD_MAX } from "../src/decode/abi";
import { env } from "../src/env";

describe("the decoder's record layout", () => {
  it("equals the layout compiled into the sensor from vigil_abi.h", () => {
    const compiled = JSON.parse(execFileSync(env.sensorPath, ["--layout"], { encoding: "utf8" }));
    expect(compiled).toEqual({
      abi_version: ABI_VERSION,
      frame_magic: FRAME_MAGIC,
      record_max: RECORD_MAX,
      structs: layout,
    });
  });
});
