#!/usr/bin/env node
'use strict';
// The daemon is compiled TypeScript; `npm run build` writes dist/.
const { main } = require('../dist/src/daemon/main.js');
main(process.argv).then(
  (code) => {
    // Logs may still be flushing; let the event loop drain, then exit with the code.
    process.exitCode = code;
    setTimeout(() => process.exit(code), 200).unref();
  },
  (err) => {
    process.stderr.write(`hdvpnd: internal error: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
