import { createEnrollToken } from "@vigil/api";
import { auditCli, withStore } from "./store";

export async function enrollTokenCreate(
  dbPath: string,
  options: { name: string; labels?: Record<string, string>; expiresDays?: number; maxUses?: number },
) {
  const expiresMs = options.expiresDays ? Date.now() + options.expiresDays * 24 * 3600 * 1000 : undefined;
  const { id, token } = await withStore(dbPath, (store) => {
    const created = createEnrollToken(store, {
      name: options.name,
      labels: options.labels,
      expiresMs,
      maxUses: options.maxUses,
    });
    auditCli(store, "enrollment token created", `enroll-token:${created.id}`, { name: options.name });
    return created;
  });
  process.stderr.write(`created enrollment token ${id}; it is shown once:\n`);
  process.stdout.write(`${token}\n`);
}
