import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The kernel tests each load a sensor and count events host-wide: run the files one after another.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
