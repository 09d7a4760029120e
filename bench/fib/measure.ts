/**
 * Timing and memory helpers for bench:fib, and one lookup loop per
 * structure: a loop shared by several classes would make its call site
 * polymorphic and slow every structure down, so each class gets its own.
 */
import type { Lpm4Reader, Lpm4Table } from '../../src/fib/lpm4';
import type { Lpm6Reader, Lpm6Table } from '../../src/fib/lpm6';
import type { ReferenceTrie, ReferenceTrie4 } from '../../src/fib/reference-trie';
import { prng, type Table4, type Table6 } from './tables';

export function seconds<T>(f: () => T): [T, number] {
  const t0 = process.hrtime.bigint();
  const r = f();
  return [r, Number(process.hrtime.bigint() - t0) / 1e9];
}

/**
 * Heap plus ArrayBuffer/SharedArrayBuffer bytes in use after full GCs (needs
 * --expose-gc). Backing stores of collected buffers are released by a
 * background sweeper, so this waits for the figure to settle.
 */
export async function usedBytes(): Promise<number> {
  let last = -1;
  for (let i = 0; i < 20; i++) {
    global.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const m = process.memoryUsage();
    const now = m.heapUsed + m.arrayBuffers;
    if (Math.abs(now - last) < 64 * 1024) return now;
    last = now;
  }
  return last;
}

function mask4(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}

/** `n` uniformly random IPv4 addresses. */
export function randomAddresses4(n: number, seed: number): Uint32Array {
  const rnd = prng(seed);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = rnd();
  return out;
}

/** `n` addresses inside random prefixes of the table (random host bits). */
export function tableAddresses4(t: Table4, n: number, seed: number): Uint32Array {
  const rnd = prng(seed);
  const out = new Uint32Array(n);
  const count = t.address.length;
  for (let i = 0; i < n; i++) {
    const p = rnd() % count;
    const m = mask4(t.length[p] as number);
    out[i] = (((t.address[p] as number) & m) | (rnd() & ~m)) >>> 0;
  }
  return out;
}

/** `n` IPv6 addresses as 4 words each: random in 2000::/3 (`table` null), or inside random prefixes of `table`. */
export function addresses6(table: Table6 | null, n: number, seed: number): Uint32Array {
  const rnd = prng(seed);
  const out = new Uint32Array(n * 4);
  for (let i = 0; i < n; i++) {
    if (table === null) {
      out[i * 4] = (0x20000000 | (rnd() & 0x1fffffff)) >>> 0;
      for (let w = 1; w < 4; w++) out[i * 4 + w] = rnd();
      continue;
    }
    const p = rnd() % table.length.length;
    const len = table.length[p] as number;
    for (let w = 0; w < 4; w++) {
      const keep = len - 32 * w;
      const m = keep <= 0 ? 0 : keep >= 32 ? 0xffffffff : mask4(keep);
      out[i * 4 + w] = (((table.words[p * 4 + w] as number) & m) | (rnd() & ~m)) >>> 0;
    }
  }
  return out;
}

/** Best rate (lookups/s) of `rounds` passes of `loop` over `count` addresses. */
export function bestRate(count: number, rounds: number, loop: () => number): number {
  let best = 0;
  let sink = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    sink += loop();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    best = Math.max(best, count / s);
  }
  // Keeps the results alive so that no pass can be optimized away.
  if (sink === 0.5) process.stdout.write('');
  return best;
}

export function loopTable4(t: Lpm4Table, addrs: Uint32Array): number {
  let sum = 0;
  for (let i = 0; i < addrs.length; i++) sum += t.lookup(addrs[i] as number);
  return sum;
}

export function loopReader4(t: Lpm4Reader, addrs: Uint32Array): number {
  let sum = 0;
  for (let i = 0; i < addrs.length; i++) sum += t.lookup(addrs[i] as number);
  return sum;
}

export function loopReference4(t: ReferenceTrie4, addrs: Uint32Array): number {
  let sum = 0;
  for (let i = 0; i < addrs.length; i++) sum += t.lookup(addrs[i] as number);
  return sum;
}

export function loopTable6(t: Lpm6Table, a: Uint32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 4) sum += t.lookup(a[i] as number, a[i + 1] as number, a[i + 2] as number, a[i + 3] as number);
  return sum;
}

export function loopReader6(t: Lpm6Reader, a: Uint32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 4) sum += t.lookup(a[i] as number, a[i + 1] as number, a[i + 2] as number, a[i + 3] as number);
  return sum;
}

/** lookupBytes over the same addresses laid out as 16-octet packets' destination fields. */
export function loopBytes6(t: Lpm6Table, bytes: Uint8Array): number {
  let sum = 0;
  for (let at = 0; at < bytes.length; at += 16) sum += t.lookupBytes(bytes, at);
  return sum;
}

export function loopReference6(t: ReferenceTrie, a: Uint32Array): number {
  let sum = 0;
  const w = [0, 0, 0, 0];
  for (let i = 0; i < a.length; i += 4) {
    w[0] = a[i] as number;
    w[1] = a[i + 1] as number;
    w[2] = a[i + 2] as number;
    w[3] = a[i + 3] as number;
    sum += t.lookup(w);
  }
  return sum;
}

/** The words as big-endian octets, 16 per address. */
export function wordsToBytes(a: Uint32Array): Uint8Array {
  const out = new Uint8Array(a.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) view.setUint32(i * 4, a[i] as number);
  return out;
}

/** First touch of a fresh 64 MB SharedArrayBuffer against a second fill: what page faults cost on this machine. */
export function pageFaultCost(): { firstSeconds: number; againSeconds: number } {
  const a = new Int32Array(new SharedArrayBuffer(64 << 20));
  const [, firstSeconds] = seconds(() => a.fill(1));
  const [, againSeconds] = seconds(() => a.fill(2));
  return { firstSeconds, againSeconds };
}
