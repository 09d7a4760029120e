#!/usr/bin/env node
'use strict';
// The CLI is compiled TypeScript; `npm run build` writes dist/.
const { main } = require('../dist/src/cli/main.js');
main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`hdvpn: internal error: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
