/**
 * The route servers under test: config file and foreground command line for each. All listen
 * on 10.0.0.1:179, are passive towards the feeder (10.0.0.2) and the receiver (10.0.0.3), treat
 * both as route-server clients (RFC 7947: no own AS prepended, next hop kept), accept and send
 * everything (no policy), for IPv4 unicast and VPNv4, and install nothing in a kernel FIB.
 * Graceful restart is off everywhere; hold time 240 s where it can be set.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ADDR } from './netns';

export type Impl = 'hdvpnd' | 'bird' | 'gobgp' | 'frr';
export const IMPLS: readonly Impl[] = ['hdvpnd', 'bird', 'gobgp', 'frr'];

export const AS = { rs: 64700, feeder: 64701, receiver: 64702 } as const;

const CLIENTS = [
  { name: 'feeder', address: ADDR.feeder, asn: AS.feeder },
  { name: 'receiver', address: ADDR.receiver, asn: AS.receiver },
] as const;

export interface ServerSpec {
  /** Human name with version, for the table. */
  readonly label: string;
  /** argv run inside the route server's namespace; the process measured is the one it execs. */
  readonly argv: string[];
  readonly cwd?: string;
  readonly logFile: string;
}

function onPath(bin: string): string | null {
  if (bin.includes('/')) {
    try {
      accessSync(bin, constants.X_OK);
      return bin;
    } catch {
      return null;
    }
  }
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (!dir) continue;
    try {
      accessSync(path.join(dir, bin), constants.X_OK);
      return path.join(dir, bin);
    } catch {
      /* next */
    }
  }
  return null;
}

/** Why the implementation cannot run here, or null. */
export function missing(impl: Impl, root: string): string | null {
  const need: Record<Impl, string[]> = {
    hdvpnd: [path.join(root, 'dist/src/daemon/main.js'), process.execPath],
    bird: ['bird'],
    gobgp: ['gobgpd'],
    frr: ['/usr/lib/frr/bgpd'],
  };
  for (const b of need[impl]) {
    if (b.endsWith('.js')) {
      try {
        accessSync(b, constants.R_OK);
      } catch {
        return `${b} not built`;
      }
    } else if (onPath(b) === null) return `${b} not installed`;
  }
  return null;
}

function hdvpnd(dir: string, root: string): ServerSpec {
  const cfg = path.join(dir, 'hdvpnd.yaml');
  const n = CLIENTS.map(
    (c) => `  - { address: ${c.address}, asn: ${c.asn}, passive: true, route-server-client: true, families: [ipv4-unicast, vpnv4-unicast], hold-time: 240, graceful-restart: false, description: ${c.name} }`,
  );
  writeFileSync(
    cfg,
    [
      `asn: ${AS.rs}`,
      `router-id: ${ADDR.rs}`,
      `listen: { address: ${ADDR.rs}, port: 179 }`,
      `control: { socket: ${path.join(dir, 'hdvpn.sock')} }`,
      'logging: { level: warn }',
      'neighbors:',
      ...n,
      '',
    ].join('\n'),
  );
  // HDVPN_BENCH_NODE_FLAGS: extra node flags for profiling the route server (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
  const flags = (process.env.HDVPN_BENCH_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
  return { label: 'hdvpnd', argv: [process.execPath, ...flags, path.join(root, 'bin/hdvpnd.js'), '--config', cfg], cwd: root, logFile: path.join(dir, 'hdvpnd.log') };
}

function bird(dir: string): ServerSpec {
  const cfg = path.join(dir, 'bird.conf');
  const lines = [
    `log "${path.join(dir, 'bird.log')}" { warning, error, fatal, bug };`,
    `router id ${ADDR.rs};`,
    'ipv4 table master4;',
    'vpn4 table vpntab4;',
    'protocol device { }',
    'template bgp rsc {',
    `  local ${ADDR.rs} as ${AS.rs};`,
    '  passive on;',
    '  rs client;',
    '  graceful restart off;',
    '  hold time 240;',
    '  ipv4 { import all; export all; };',
    '  vpn4 mpls { table vpntab4; import all; export all; };',
    '}',
    ...CLIENTS.map((c) => `protocol bgp ${c.name} from rsc { neighbor ${c.address} as ${c.asn}; }`),
    '',
  ];
  writeFileSync(cfg, lines.join('\n'));
  return { label: 'BIRD 2', argv: ['bird', '-f', '-c', cfg, '-s', path.join(dir, 'bird.ctl'), '-P', path.join(dir, 'bird.pid')], logFile: path.join(dir, 'bird.out') };
}

function gobgp(dir: string): ServerSpec {
  const cfg = path.join(dir, 'gobgpd.toml');
  const lines = ['[global.config]', `  as = ${AS.rs}`, `  router-id = "${ADDR.rs}"`, '  port = 179', `  local-address-list = ["${ADDR.rs}"]`];
  for (const c of CLIENTS) {
    lines.push(
      '',
      '[[neighbors]]',
      '  [neighbors.config]',
      `    neighbor-address = "${c.address}"`,
      `    peer-as = ${c.asn}`,
      '  [neighbors.transport.config]',
      `    local-address = "${ADDR.rs}"`,
      '    passive-mode = true',
      '  [neighbors.timers.config]',
      '    hold-time = 240',
      '    keepalive-interval = 80',
      '  [neighbors.route-server.config]',
      '    route-server-client = true',
      '  [[neighbors.afi-safis]]',
      '    [neighbors.afi-safis.config]',
      '      afi-safi-name = "ipv4-unicast"',
      '  [[neighbors.afi-safis]]',
      '    [neighbors.afi-safis.config]',
      '      afi-safi-name = "l3vpn-ipv4-unicast"',
    );
  }
  writeFileSync(cfg, `${lines.join('\n')}\n`);
  return {
    label: 'GoBGP',
    argv: ['gobgpd', '-f', cfg, '-p', '-l', 'warn', '--pprof-disable', '--api-hosts', `unix://${path.join(dir, 'gobgp.sock')}`],
    logFile: path.join(dir, 'gobgpd.log'),
  };
}

function frr(dir: string): ServerSpec {
  const cfg = path.join(dir, 'bgpd.conf');
  const l = [
    'frr defaults traditional',
    'hostname rs',
    // bgpd -Z logs one "zclient_send_message() failed" line per received route at level "errors"; keep the log to worse than that.
    `log file ${path.join(dir, 'bgpd.log')} critical`,
    '!',
    `router bgp ${AS.rs}`,
    ` bgp router-id ${ADDR.rs}`,
    ' no bgp ebgp-requires-policy',
    ' no bgp default ipv4-unicast',
    ' no bgp network import-check',
  ];
  // bgpd sends every route back to the feeder too (both clients share one update group); the others do not.
  // `sender-as-path-loop-detection` does not stop that in 8.4 (the check uses the update group's first peer).
  for (const c of CLIENTS) l.push(` neighbor ${c.address} remote-as ${c.asn}`, ` neighbor ${c.address} passive`, ` neighbor ${c.address} timers 80 240`, ` neighbor ${c.address} graceful-restart-disable`);
  for (const af of ['ipv4 unicast', 'ipv4 vpn']) {
    l.push(` address-family ${af}`);
    for (const c of CLIENTS) l.push(`  neighbor ${c.address} activate`, `  neighbor ${c.address} route-server-client`);
    l.push(' exit-address-family');
  }
  l.push('exit', '');
  writeFileSync(cfg, l.join('\n'));
  return {
    label: 'FRR bgpd',
    argv: ['/usr/lib/frr/bgpd', '-Z', '-S', '-P', '0', '-l', ADDR.rs, '-p', '179', '--vty_socket', dir, '-i', path.join(dir, 'bgpd.pid'), '-f', cfg],
    logFile: path.join(dir, 'bgpd.out'),
  };
}

export function serverSpec(impl: Impl, dir: string, root: string): ServerSpec {
  switch (impl) {
    case 'hdvpnd':
      return hdvpnd(dir, root);
    case 'bird':
      return bird(dir);
    case 'gobgp':
      return gobgp(dir);
    case 'frr':
      return frr(dir);
  }
}

/** Version strings for the report header. */
export function versions(): Record<Impl, string> {
  const v = (argv: string[], re: RegExp): string => {
    const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', timeout: 5000 });
    return re.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)?.[1] ?? '?';
  };
  return {
    hdvpnd: `node ${process.version}`,
    bird: v(['bird', '--version'], /version\s+(\S+)/i),
    gobgp: v(['gobgpd', '--version'], /version\s+(\S+)/i),
    frr: v(['/usr/lib/frr/bgpd', '--version'], /version\s+(\S+)/i),
  };
}
