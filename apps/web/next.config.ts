import type { NextConfig } from "next";
import { securityHeaders } from "./src/server/security-headers";

const config: NextConfig = {
  // Workspace packages ship TypeScript source.
  transpilePackages: [
    "@vigil/api",
    "@vigil/clickhouse",
    "@vigil/db",
    "@vigil/events",
    "@vigil/observability",
    "@vigil/policy",
  ],
  serverExternalPackages: ["better-sqlite3", "@node-rs/argon2", "@clickhouse/client"],
  poweredByHeader: false,
  async headers() {
    return [
      {
        source: "/:path*",
        headers: securityHeaders.map(([key, value]) => ({ key, value })),
      },
    ];
  },
};

export default config;
