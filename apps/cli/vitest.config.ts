import { defineConfig } from "vitest/config";

export default defineConfig({
  // Each test starts the CLI (node + tsx) several times; under a parallel `npm test` that takes seconds.
  test: { testTimeout: 120_000 },
});
