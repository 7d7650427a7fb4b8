import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export type PolicyTemplate = { file: string; name: string; description: string; yaml: string };

/** The policy templates shipped in `dir` (packages/policy/templates), by file name. */
export function readTemplates(dir: string): PolicyTemplate[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith(".yaml"))
    .sort()
    .map((file) => {
      const yaml = readFileSync(join(dir, file), "utf8");
      const head = parse(yaml) as { name?: string; description?: string };
      return {
        file: file.slice(0, -".yaml".length),
        name: head.name ?? file,
        description: head.description ?? "",
        yaml,
      };
    });
}
