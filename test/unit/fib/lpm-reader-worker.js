/**
 * Worker for lpm-worker.test.ts. Jest's transform does not reach worker
 * threads, so this loads the TypeScript sources itself with @swc/core (the
 * compiler jest uses): the worker runs the same Lpm4Reader/Lpm6Reader code as
 * the tests, with no build step.
 */
'use strict';
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const swc = require('@swc/core');

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = swc.transformSync(source, { filename, jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } });
  module._compile(code, filename);
};

const { Lpm4Reader } = require('../../../src/fib/lpm4.ts');
const { Lpm6Reader } = require('../../../src/fib/lpm6.ts');

let v4 = null;
let v6 = null;

parentPort.on('message', (m) => {
  switch (m.type) {
    case 'attach':
      if (m.v4) v4 = new Lpm4Reader(m.v4);
      if (m.v6) v6 = new Lpm6Reader(m.v6);
      parentPort.postMessage({ type: 'attached' });
      break;
    case 'lookup4':
      parentPort.postMessage({ type: 'results', results: m.addresses.map((a) => v4.lookup(a)), stale: v4.stale });
      break;
    case 'lookup6': {
      const bytes = new Uint8Array(16);
      const view = new DataView(bytes.buffer);
      const results = m.addresses.map((w) => {
        w.forEach((x, i) => view.setUint32(i * 4, x));
        return [v6.lookup(w[0], w[1], w[2], w[3]), v6.lookupBytes(bytes, 0)];
      });
      parentPort.postMessage({ type: 'results', results, stale: v6.stale });
      break;
    }
    case 'stress': {
      // Look up `probes` until the main thread sets control[0]; every answer must be one of `allowed[i]`.
      const control = new Int32Array(m.control);
      const allowed = m.allowed.map((a) => new Set(a));
      const seen = m.probes.map(() => new Set());
      const bad = [];
      let lookups = 0;
      Atomics.store(control, 1, 1);
      Atomics.notify(control, 1);
      while (Atomics.load(control, 0) === 0) {
        for (let i = 0; i < m.probes.length; i++) {
          const r = v4.lookup(m.probes[i]);
          lookups++;
          seen[i].add(r);
          if (!allowed[i].has(r) && bad.length < 10) bad.push({ probe: m.probes[i], got: r });
        }
      }
      parentPort.postMessage({ type: 'stress-done', lookups, bad, seen: seen.map((s) => [...s].sort((a, b) => a - b)) });
      break;
    }
    default:
      throw new Error(`unknown message ${m.type}`);
  }
});
