/**
 * The dependency rules of DESIGN.md ("Layers"), checked on the sources: a
 * module that reaches across a line it must not cross fails here, before the
 * layout stops telling a newcomer where a packet or a route goes.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = resolve(__dirname, '../../../src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module a file imports (static imports, re-exports, require and import()), relative ones as src-relative paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|require\('([^']+)'\)|import\('([^']+)'\)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
  return specs.map((s) => (s.startsWith('.') ? relative(SRC, resolve(dirname(file), s)) : s));
}

/** Imports of files under `from` that point into any of `forbidden` (src-relative folders). */
function violations(from: string, forbidden: readonly string[]): string[] {
  const out: string[] = [];
  for (const file of sources(join(SRC, from))) {
    for (const target of importsOf(file)) {
      if (forbidden.some((f) => target === f || target.startsWith(`${f}/`))) out.push(`${relative(SRC, file)} → ${target}`);
    }
  }
  return out;
}

describe('layering (DESIGN.md)', () => {
  it('the FIB never imports bgp/ or vrf/ (it is fed changes), nor sessions/ or daemon/', () => {
    expect(violations('fib', ['bgp', 'vrf', 'sessions', 'daemon', 'cli'])).toEqual([]);
  });

  it('the tunnel codecs import nothing of the BGP side, the FIB or the daemon', () => {
    expect(violations('tunnels', ['bgp', 'vrf', 'sessions', 'daemon', 'cli', 'fib'])).toEqual([]);
  });

  it('the wire codec imports nothing outside bgp/wire but node:buffer (pure, no I/O, no clock)', () => {
    const bad: string[] = [];
    for (const file of sources(join(SRC, 'bgp/wire'))) {
      for (const target of importsOf(file)) {
        const inside = target.startsWith('bgp/wire/') || target === 'bgp/wire';
        if (!inside && target !== 'node:buffer') bad.push(`${relative(SRC, file)} → ${target}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('the CLI talks only to the control socket: no RIB, FIB, VRF or session code', () => {
    expect(violations('cli', ['bgp/rib', 'bgp/speaker', 'bgp/session', 'fib', 'vrf', 'sessions', 'daemon'])).toEqual([]);
  });

  it('the check sees imports: the daemon, which wires everything, imports the FIB and bgp', () => {
    const seen = sources(join(SRC, 'daemon')).flatMap(importsOf);
    expect(seen.some((t) => t.startsWith('fib/'))).toBe(true);
    expect(seen.some((t) => t.startsWith('bgp/'))).toBe(true);
  });
});
