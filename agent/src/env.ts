import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The agent's only reader of process.env. */
export const env = {
  sensorPath: process.env.VIGIL_SENSOR ?? join(repoRoot, "bpf", "build", "vigil-sensor"),
  server: process.env.VIGIL_SERVER,
  caFile: process.env.VIGIL_CA_FILE,
  allowPlaintext: process.env.VIGIL_ALLOW_PLAINTEXT === "1",
  enrollToken: process.env.VIGIL_ENROLL_TOKEN,
  dataDir: process.env.VIGIL_AGENT_DATA ?? "/var/lib/vigil-agent",
};

export function sensorBuilt(): boolean {
  return existsSync(env.sensorPath);
}
