import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "server/**/*.test.ts", "test/**/*.test.ts"],
    // Each file starts real servers and agents, and the kernel tests count events host-wide: one file at a time.
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 120_000,
    // The browser tests wait for pages while the agent's tests load both cores in parallel: 1 s (the default) is
    // too short there, and a page that never shows what is expected still fails.
    expect: { poll: { timeout: 15_000 } },
  },
});
