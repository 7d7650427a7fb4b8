import { createUser, generatePassword } from "@vigil/api";
import type { Role } from "@vigil/db";
import { auditCli, withStore } from "./store";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

export async function userCreate(
  dbPath: string,
  name: string,
  options: { role: Role; passwordStdin?: boolean },
) {
  const password = options.passwordStdin ? await readStdin() : generatePassword();
  const user = await withStore(dbPath, async (store) => {
    const created = await createUser(store, { name, role: options.role, password });
    auditCli(store, "user created", `user:${created.name}`, { role: created.role });
    return created;
  });
  process.stdout.write(`created user ${user.name} (${user.role})\n`);
  if (!options.passwordStdin) process.stdout.write(`password (shown once): ${password}\n`);
}
