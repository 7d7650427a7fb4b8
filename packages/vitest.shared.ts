// The test settings of the library packages (api, db, events, policy): each vitest.config.ts is this.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // `npm test` runs these beside the kernel and browser suites on two cores: a test that takes 1 s alone can
    // take ten there. A test that hangs still fails.
    testTimeout: 60_000,
  },
});
