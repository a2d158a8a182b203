// Validates SARIF logs against the official SARIF 2.1.0 JSON schema
// (sarif-2.1.0-rtm.5.json as shipped by the npm package @microsoft/jest-sarif)
// with ajv. Usage: node tests/support/validate-sarif.cjs TOOLS_DIR FILE.sarif...
// Prints each violation; exits 1 when a log is invalid.
"use strict";
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

const [toolsArg, ...files] = process.argv.slice(2);
const tools = require("node:path").resolve(toolsArg);
const modules = join(tools, "node_modules");
const Ajv = require(join(modules, "ajv"));
const schema = JSON.parse(
  readFileSync(join(modules, "@microsoft", "jest-sarif", "lib", "schemas", "sarif-2.1.0-rtm.5.json"), "utf8"),
);
// The schema is draft-04: ajv 6 needs that meta-schema and `id` lookups.
const ajv = new Ajv({ schemaId: "id", allErrors: true, verbose: false });
ajv.addMetaSchema(require(join(modules, "ajv", "lib", "refs", "json-schema-draft-04.json")));
const validate = ajv.compile(schema);

let bad = 0;
for (const file of files) {
  const log = JSON.parse(readFileSync(file, "utf8"));
  if (validate(log)) {
    console.log(`${file}: valid SARIF 2.1.0`);
  } else {
    bad++;
    for (const e of validate.errors) console.log(`${file}: ${e.dataPath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
  }
}
process.exit(bad === 0 && files.length > 0 ? 0 : 1);
