// Bundles the agent into one plain-JavaScript file that node runs without a TypeScript loader: a host runs the
// agent for months, and the loader's start-up and its heap would be paid on every host all that time.
import { renameSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const here = import.meta.dirname;
const outfile = join(here, "dist", "vigil-agent.mjs");
const temporary = `${outfile}.${process.pid}`; // agents started together may build together: rename is atomic

await build({
  entryPoints: [join(here, "src", "cli.ts")],
  outfile: temporary,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  logLevel: "warning",
  external: ["better-sqlite3"], // a native module: loaded from node_modules at run time
  // commander is CommonJS: give the bundle a require for the node built-ins it asks for.
  banner: {
    js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);',
  },
});
renameSync(temporary, outfile);
