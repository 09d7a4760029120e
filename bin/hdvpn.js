#!/usr/bin/env node
'use strict';
// The CLI is compiled TypeScript; `npm run build` writes dist/.
const { main } = require('../dist/src/cli/main.js');

/**
 * The command is done: exit as soon as stdout and stderr have taken what was
 * written. Left to end by itself, node would first wait for V8's background
 * compiler to finish optimizing functions that will never run again, which
 * adds tens of milliseconds to a short `hdvpn mrt` (writes to files, pipes and
 * terminals are synchronous on Linux, so the callbacks come at once there).
 */
function exitWhenFlushed(code) {
  const flushed = (stream, then) => (stream.destroyed || !stream.writable ? then() : stream.write('', () => then()));
  flushed(process.stdout, () => flushed(process.stderr, () => process.exit(code)));
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
    exitWhenFlushed(code);
  },
  (err) => {
    process.stderr.write(`hdvpn: internal error: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
