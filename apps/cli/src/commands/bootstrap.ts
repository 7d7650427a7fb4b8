import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { countUsers, createEnrollToken, createUser, generatePassword } from "@vigil/api";
import { auditCli, withStore } from "./store";

/**
 * First start of a data directory: the first admin (VIGIL_ADMIN_USER / VIGIL_ADMIN_PASSWORD, or `admin` with a
 * generated password, printed once) and an enrollment token for the local agent, printed and kept in the
 * data directory (mode 0600). Does nothing that is already done.
 */
export async function bootstrap(dataDir: string, dbPath: string) {
  const tokenPath = join(dataDir, "enroll-token");
  await withStore(dbPath, async (store) => {
    if (countUsers(store) === 0) {
      const name = process.env.VIGIL_ADMIN_USER || "admin";
      const given = process.env.VIGIL_ADMIN_PASSWORD;
      const password = given || generatePassword();
      await createUser(store, { name, role: "admin", password });
      auditCli(store, "user created", `user:${name}`, { role: "admin", first: true });
      process.stdout.write(`created the first admin account: ${name}\n`);
      if (!given) process.stdout.write(`  password (shown once, change it after signing in): ${password}\n`);
    }
    if (!existsSync(tokenPath)) {
      const { id, token } = createEnrollToken(store, {
        name: "local agent",
        labels: { enrolled: "npm-run-up" },
      });
      auditCli(store, "enrollment token created", `enroll-token:${id}`, { name: "local agent" });
      writeFileSync(tokenPath, `${token}\n`, { mode: 0o600 });
      process.stdout.write(`created an enrollment token for agents (also in ${tokenPath}):\n  ${token}\n`);
    }
  });
}
