import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Lpm4Table, NO_ROUTE, type Lpm4Stride } from '../../../src/fib/lpm4';
import { Lpm6Table } from '../../../src/fib/lpm6';

interface Results {
  readonly type: 'results';
  readonly results: unknown[];
  readonly stale: boolean;
}

interface StressDone {
  readonly type: 'stress-done';
  readonly lookups: number;
  readonly bad: { probe: number; got: number }[];
  readonly seen: number[][];
}

/** A Lpm4Reader/Lpm6Reader in a real worker thread (test/unit/fib/lpm-reader-worker.js). */
class ReaderThread {
  private readonly worker = new Worker(join(__dirname, 'lpm-reader-worker.js'));

  ask<T>(message: object): Promise<T> {
    return new Promise((resolve, reject) => {
      this.worker.once('message', resolve);
      this.worker.once('error', reject);
      this.worker.postMessage(message);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

const probes4 = [0x0a010203, 0x0a010204, 0x0a0102ff, 0x0a01ff00, 0x0aff0000, 0x0b000000, 0x0a010281];

describe('LPM readers in a worker thread', () => {
  let thread: ReaderThread;
  beforeEach(() => {
    thread = new ReaderThread();
  });
  afterEach(async () => {
    await thread.close();
  });

  it.each<Lpm4Stride>([16, 24])('see every IPv4 update of the main thread (stride %i), and re-attach after the pool grew', async (stride) => {
    const t = new Lpm4Table({ stride, initialGroups: 1 });
    t.insert(0x0a000000, 8, 1);
    await thread.ask({ type: 'attach', v4: t.shared() });
    const check = async (): Promise<Results> => {
      const r = await thread.ask<Results>({ type: 'lookup4', addresses: probes4 });
      expect(r.results).toEqual(probes4.map((a) => t.lookup(a)));
      return r;
    };
    await check();
    t.insert(0x0a010200, 24, 3);
    t.insert(0x0a010000, 16, 2);
    await check();
    t.delete(0x0a010200, 24);
    expect((await check()).results.slice(0, 3)).toEqual([2, 2, 2]);
    const generation = t.generation;
    // Host routes in many /16s: more groups than the pool of one holds.
    for (let i = 0; i < 8; i++) t.insert((0x0a000000 + (i << 16) + 3) >>> 0, 32, 10 + i);
    expect(t.generation).toBeGreaterThan(generation);
    const stale = await thread.ask<Results>({ type: 'lookup4', addresses: probes4 });
    expect(stale.stale).toBe(true);
    await thread.ask({ type: 'attach', v4: t.shared() });
    expect((await check()).stale).toBe(false);
    t.delete(0x0a010000, 16);
    expect((await check()).results[0]).toBe(1);
  });

  it('see IPv6 updates of the main thread, by words and by bytes', async () => {
    const t = new Lpm6Table({ initialGroups: 32 });
    const probes6 = [
      [0x20010db8, 0, 0, 1],
      [0x20010db8, 0xffff0000, 0, 0],
      [0x20010db9, 0, 0, 0],
    ];
    await thread.ask({ type: 'attach', v6: t.shared() });
    const check = async (want: number[]): Promise<void> => {
      const r = await thread.ask<Results>({ type: 'lookup6', addresses: probes6 });
      expect(r.results).toEqual(want.map((v) => [v, v]));
    };
    await check([NO_ROUTE, NO_ROUTE, NO_ROUTE]);
    t.insert(0x20010db8, 0, 0, 0, 32, 1);
    t.insert(0x20010db8, 0, 0, 1, 128, 2);
    await check([2, 1, NO_ROUTE]);
    t.delete(0x20010db8, 0, 0, 1, 128);
    t.insert(0, 0, 0, 0, 0, 7);
    await check([1, 1, 7]);
  });

  it('never sees a half-built or half-freed group while the main thread creates and frees groups under it', async () => {
    const t = new Lpm4Table({ stride: 16, initialGroups: 64 });
    t.insert(0x0a000000, 8, 1);
    await thread.ask({ type: 'attach', v4: t.shared() });
    const control = new Int32Array(new SharedArrayBuffer(8));
    // The prefixes toggled below: 10.1/16 → 2, 10.1.2/24 → 3, 10.1.2.0/25 → 5, 10.1.2.3/32 → 4 (10/8 → 1 stays).
    const allowed = [[1, 2, 3, 4, 5], [1, 2, 3, 5], [1, 2, 3], [1, 2], [1], [NO_ROUTE], [1, 2, 3]];
    const done = thread.ask<StressDone>({ type: 'stress', control: control.buffer, probes: probes4, allowed });
    expect(Atomics.wait(control, 1, 0, 10_000)).not.toBe('timed-out');
    const started = Date.now();
    for (let i = 0; Date.now() - started < 400; i++) {
      // Each step creates or frees the level-1 and level-2 groups of 10.1.2.0/24, in varying order.
      if (i & 1) t.insert(0x0a010203, 32, 4);
      else t.delete(0x0a010203, 32);
      if (i & 2) t.insert(0x0a010200, 25, 5);
      else t.delete(0x0a010200, 25);
      if (i & 4) t.insert(0x0a010200, 24, 3);
      else t.delete(0x0a010200, 24);
      if (i & 8) t.insert(0x0a010000, 16, 2);
      else t.delete(0x0a010000, 16);
    }
    Atomics.store(control, 0, 1);
    const result = await done;
    expect(result.bad).toEqual([]);
    expect(result.lookups).toBeGreaterThan(1000);
    // The reader did run during the updates: it saw more than one answer for the host route's address.
    expect(result.seen[0]?.length).toBeGreaterThan(1);
    expect(t.groupCount).toBeLessThanOrEqual(2);
  });
});
