import { createApiToken, listApiTokens, revokeApiToken } from "@vigil/api";
import type { Role } from "@vigil/db";
import { auditCli, withStore } from "./store";

export async function tokenCreate(dbPath: string, options: { role: Role; name: string }) {
  const { id, token } = await withStore(dbPath, (store) => {
    const created = createApiToken(store, options);
    auditCli(store, "token created", `token:${created.id}`, options);
    return created;
  });
  process.stderr.write(`created API token ${id} (${options.role}); it is shown once:\n`);
  process.stdout.write(`${token}\n`);
}

export async function tokenList(dbPath: string) {
  const tokens = await withStore(dbPath, listApiTokens);
  const when = (ms: number | null) => (ms === null ? "-" : new Date(ms).toISOString());
  for (const t of tokens) {
    process.stdout.write(
      `${t.id}\t${t.role}\t${t.name}\tcreated ${when(t.createdMs)}\tlast used ${when(t.lastUsedMs)}${t.revokedMs ? "\tREVOKED" : ""}\n`,
    );
  }
}

export async function tokenRevoke(dbPath: string, id: string) {
  await withStore(dbPath, (store) => {
    revokeApiToken(store, id);
    auditCli(store, "token revoked", `token:${id}`);
  });
  process.stdout.write(`revoked API token ${id}\n`);
}
