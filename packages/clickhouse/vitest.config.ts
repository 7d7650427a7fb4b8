import { defineConfig, mergeConfig } from "vitest/config";
import shared from "../vitest.shared";

export default mergeConfig(
  shared,
  defineConfig({
    // One clickhouse-server for every test file here (each uses a database of its own).
    test: { globalSetup: ["./src/test-global-setup.ts"] },
  }),
);
