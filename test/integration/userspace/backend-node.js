'use strict';
/**
 * Runs a UserspaceBackend (compiled, from dist/) inside a network namespace and
 * takes commands as JSON lines on stdin; every reply and event is a JSON line on
 * stdout. Usage: node backend-node.js <handler-module.js> [backend-options-json]
 *   {"id":1,"cmd":"tun","name":"tun0","address":"10.99.0.1/24","queues":1,"wait":true}
 *   {"id":2,"cmd":"raw","protocol":47,"bind":"10.99.1.1","wait":true}
 *   {"id":7,"cmd":"xsk","options":{"ifname":"f0","receive":{"protocols":[47]},"ingressAs":0},"wait":true} -> {"port":..,"xdpMode":..}
 *   {"id":8,"cmd":"xsk-stats","port":2}
 *   {"id":3,"cmd":"start"}   {"id":4,"cmd":"post","message":{...}}   {"id":5,"cmd":"counters","port":0}
 *   {"id":6,"cmd":"stop"}    -> {"stopMs":..} then the process must exit by itself.
 * Events: {"event":"error","message":..,"port":..}
 */
const path = require('node:path');
const readline = require('node:readline');

const dist = path.resolve(__dirname, '../../../dist/src/fib/backends/userspace');
const { UserspaceBackend } = require(path.join(dist, 'backend.js'));
const { openTun, configureTun } = require(path.join(dist, 'tun.js'));
const { openRawSocket } = require(path.join(dist, 'raw-socket.js'));

const handlerModule = process.argv[2];
if (!handlerModule) throw new Error('usage: backend-node.js <handler-module.js>');

function emit(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

const backend = new UserspaceBackend({
  ...(process.argv[3] ? JSON.parse(process.argv[3]) : {}),
  handlerModule: path.resolve(handlerModule),
  restartDelayMs: 50,
  onError: (error, port) => emit({ event: 'error', message: error.message, port: port ? port.id : null }),
});

async function run(c) {
  switch (c.cmd) {
    case 'tun': {
      const tun = openTun(c.name, { queues: c.queues ?? 1 });
      configureTun(tun.name, { address: c.address });
      const ports = tun.fds.map((fd, i) => backend.addPort('tun', fd, `${tun.name}/${i}`));
      if (c.wait) await Promise.all(ports.map((p) => backend.ready(p.id)));
      return { name: tun.name, ports: ports.map((p) => p.id) };
    }
    case 'raw': {
      const fd = openRawSocket({ protocol: c.protocol, bindAddress: c.bind });
      const port = backend.addPort('raw', fd, c.name ?? `raw${c.protocol}`);
      if (c.wait) await backend.ready(port.id);
      return { port: port.id };
    }
    case 'xsk': {
      const port = backend.addXskPort(c.options);
      if (c.wait) await backend.ready(port.id);
      return { port: port.id, xdpMode: backend.xdpMode(port.id) ?? null };
    }
    case 'xsk-stats':
      return { stats: backend.xskStatistics(c.port) ?? null };
    case 'start':
      await backend.start();
      return {};
    case 'post':
      backend.post(c.message);
      return {};
    case 'counters':
      return { counters: backend.counters(c.port) };
    case 'stop': {
      const t0 = process.hrtime.bigint();
      await backend.stop();
      const stopMs = Number(process.hrtime.bigint() - t0) / 1e6;
      rl.close();
      process.stdin.destroy();
      // What would still keep this process alive, for the test's diagnostics (expected: nothing of ours).
      setImmediate(() => emit({ event: 'resources', resources: process.getActiveResourcesInfo() }));
      return { stopMs };
    }
    default:
      throw new Error(`unknown command ${c.cmd}`);
  }
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  let c;
  try {
    c = JSON.parse(line);
  } catch {
    emit({ ok: false, error: `bad JSON: ${line}` });
    return;
  }
  run(c).then(
    (r) => emit({ id: c.id, ok: true, ...r }),
    (e) => emit({ id: c.id, ok: false, error: e instanceof Error ? e.message : String(e) }),
  );
});
