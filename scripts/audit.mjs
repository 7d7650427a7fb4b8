// npm run audit [-- REPORT.json]: fails when the production dependencies have a high or critical advisory (npm audit).
// Where the registry cannot be asked (this project's build machines reach a read-only mirror, which answers the
// advisory endpoint 405), it says so and does not fail: that is not a clean audit, and it is printed as such.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

function auditReport() {
  if (process.argv[2]) return readFileSync(process.argv[2], "utf8"); // a saved `npm audit --json`, to check this script
  try {
    const options = { encoding: "utf8", timeout: 120_000, stdio: ["ignore", "pipe", "pipe"] };
    return execFileSync("npm", ["audit", "--omit=dev", "--json"], options);
  } catch (error) {
    // npm audit exits 1 both when it finds advisories and when it cannot ask: the report tells which
    if (typeof error.stdout === "string" && error.stdout.trim()) return error.stdout;
    throw error;
  }
}

const report = JSON.parse(auditReport());
const counts = report.metadata?.vulnerabilities;
if (!counts) {
  const why = report.message ?? report.error?.summary ?? "no advisory counts in its answer";
  console.log(
    `audit: NOT CHECKED: the registry did not answer npm audit (${why}). Run \`npm run audit\` where it can.`,
  );
  process.exit(0);
}
const serious = (counts.high ?? 0) + (counts.critical ?? 0);
const names = Object.values(report.vulnerabilities ?? {})
  .filter((v) => v.severity === "high" || v.severity === "critical")
  .map((v) => `${v.name} (${v.severity})`);
console.log(
  `audit: production dependencies: ${counts.critical ?? 0} critical, ${counts.high ?? 0} high, ` +
    `${counts.moderate ?? 0} moderate, ${counts.low ?? 0} low advisories`,
);
if (serious > 0) {
  console.log(`audit: FAILED: ${names.join(", ")}. See \`npm audit --omit=dev\`; upgrade or replace them.`);
  process.exit(1);
}
