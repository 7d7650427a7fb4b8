import { resolve } from "node:path";
import { DomainError } from "@vigil/api";
import { roles } from "@vigil/db";
import { Command, InvalidArgumentError, Option } from "commander";
import { backup } from "./commands/backup";
import { bootstrap } from "./commands/bootstrap";
import { enrollTokenCreate } from "./commands/enroll-token";
import { tokenCreate, tokenList, tokenRevoke } from "./commands/token";
import { userCreate } from "./commands/user";

const labels = (text: string) => {
  const pairs: Record<string, string> = {};
  for (const part of text.split(",")) {
    const match = /^([A-Za-z0-9_./-]{1,63})=([^,]{0,255})$/.exec(part.trim());
    if (!match) throw new InvalidArgumentError(`expected key=value[,key=value], got ${JSON.stringify(part)}`);
    pairs[match[1] as string] = match[2] as string;
  }
  return pairs;
};
const positiveInt = (text: string) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a positive whole number");
  return n;
};
const role = () =>
  new Option("--role <role>", "viewer, analyst or admin").choices(roles).makeOptionMandatory();

const program = new Command("vigil")
  .description("administer a Vigil server's data directory (users, API tokens, enrollment tokens)")
  .option(
    "--data-dir <dir>",
    "the server's data directory (or VIGIL_DATA_DIR)",
    process.env.VIGIL_DATA_DIR ?? "data",
  )
  .showHelpAfterError();
const dbPath = () => resolve(program.opts().dataDir, "vigil.db");

const user = program.command("user").description("console accounts");
user
  .command("create <name>")
  .description("create an account; the password is generated and printed unless --password-stdin")
  .addOption(role())
  .option("--password-stdin", "read the password from standard input")
  .action((name, options) => userCreate(dbPath(), name, options));

const token = program.command("token").description("API tokens (Authorization: Bearer vgt_...)");
token
  .command("create")
  .description("create an API token; it is printed once and stored hashed")
  .addOption(role())
  .option("--name <name>", "what the token is for", "api")
  .action((options) => tokenCreate(dbPath(), options));
token
  .command("list")
  .description("list API tokens (never their secrets)")
  .action(() => tokenList(dbPath()));
token
  .command("revoke <id>")
  .description("revoke an API token")
  .action((id) => tokenRevoke(dbPath(), id));

program
  .command("enroll-token")
  .description("enrollment tokens, which agents exchange for their own credential")
  .command("create")
  .description("create an enrollment token; it is printed once")
  .option("--name <name>", "what the token is for", "enrollment")
  .option("--labels <k=v,...>", "labels given to hosts that enroll with it", labels)
  .option("--expires-days <n>", "valid for this many days", positiveInt)
  .option("--max-uses <n>", "how many agents may enroll with it", positiveInt)
  .action((options) => enrollTokenCreate(dbPath(), options));

program
  .command("bootstrap")
  .description("first start: create the first admin and an enrollment token for the local agent, if missing")
  .action(() => bootstrap(program.opts().dataDir, dbPath()));

program
  .command("backup <file>")
  .description("copy the database to a new file while the server runs (see the README to restore it)")
  .action((file) => backup(dbPath(), file));

try {
  await program.parseAsync();
} catch (error) {
  if (!(error instanceof DomainError)) throw error;
  process.stderr.write(`vigil: ${error.message}\n`);
  process.exitCode = 1;
}
