// Exit 1 unless every dependency of package.json is installed at its exact pinned version
// (`make browser-js` then runs npm install).
"use strict";
const pkg = require("./package.json");
for (const [name, version] of Object.entries(pkg.dependencies)) {
  let installed = null;
  try {
    installed = require(`./node_modules/${name}/package.json`).version;
  } catch {
    installed = null;
  }
  if (installed !== version) {
    console.error(`tests/browser: npm ${name} ${installed ?? "missing"}, want ${version}`);
    process.exit(1);
  }
}
