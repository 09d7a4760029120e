/** The bounded UPDATE queue: socket backpressure, watermarks, the writable signal. */
import { OutboundQueue } from '../../../../src/bgp/session/outbound-queue';

function harness(socketRoom: number) {
  const written: Buffer[] = [];
  let room = socketRoom;
  const events: string[] = [];
  const queue = new OutboundQueue(
    {
      write: (b) => {
        written.push(b);
        room -= b.length;
        return room > 0;
      },
      sent: (n) => events.push(`sent ${n}`),
      writable: () => events.push('writable'),
    },
    { highWatermark: 300, lowWatermark: 100 },
  );
  return {
    queue,
    written,
    events,
    drain: (more: number) => {
      room = more;
      queue.drained();
    },
  };
}

describe('OutboundQueue', () => {
  it('writes straight through while the socket accepts', () => {
    const h = harness(10_000);
    expect(h.queue.enqueue(Buffer.alloc(100))).toBe(true);
    expect(h.queue.enqueue(Buffer.alloc(100))).toBe(true);
    expect(h.written).toHaveLength(2);
    expect(h.queue.queuedBytes).toBe(0);
    expect(h.events).toEqual(['sent 1', 'sent 1']);
  });

  it('stops at the socket, reports full at the high watermark, and writable at the low one', () => {
    const h = harness(50);
    expect(h.queue.enqueue(Buffer.alloc(100))).toBe(true); // handed to the socket, which is now blocked
    expect(h.queue.isBlocked).toBe(true);
    expect(h.queue.enqueue(Buffer.alloc(100))).toBe(true);
    expect(h.queue.enqueue(Buffer.alloc(100))).toBe(true);
    expect(h.queue.enqueue(Buffer.alloc(100))).toBe(false); // 300 queued: the producer must wait
    expect(h.queue.queuedBytes).toBe(300);
    expect(h.written).toHaveLength(1);
    h.drain(150); // room for two
    expect(h.queue.queuedBytes).toBe(100);
    expect(h.events).toContain('writable');
    expect(h.queue.isFull).toBe(false);
  });

  it('does not announce writable when it was never full', () => {
    const h = harness(50);
    h.queue.enqueue(Buffer.alloc(100));
    h.queue.enqueue(Buffer.alloc(100));
    h.drain(1000);
    expect(h.events).not.toContain('writable');
  });

  it('clear() drops what waits without a writable', () => {
    const h = harness(1);
    for (let i = 0; i < 5; i++) h.queue.enqueue(Buffer.alloc(100));
    h.queue.clear();
    expect(h.queue.queuedBytes).toBe(0);
    expect(h.queue.queuedMessages).toBe(0);
    expect(h.events).not.toContain('writable');
  });
});
