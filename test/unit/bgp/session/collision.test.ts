/** Connection collision detection (RFC 4271 §6.8, RFC 6286 §2.3). */
import { localIsDominant, resolveCollision, type CollisionInput, type Initiator } from '../../../../src/bgp/session/collision';
import type { StateName } from '../../../../src/bgp/session/fsm-types';
import { parseIpv4 } from '../../../../src/bgp/wire/values/ip';

function id(text: string): number {
  const n = parseIpv4(text);
  if (n === null) throw new Error(text);
  return n;
}

function input(local: string, remote: string, existing: Initiator, state: StateName = 'OpenConfirm', extra: Partial<CollisionInput> = {}): CollisionInput {
  return {
    localBgpId: id(local),
    remoteBgpId: id(remote),
    localAs: 65001,
    remoteAs: 65002,
    existing: { initiator: existing, state },
    incoming: { initiator: existing === 'local' ? 'remote' : 'local' },
    ...extra,
  };
}

describe('who is dominant', () => {
  it('compares identifiers as unsigned 32-bit numbers', () => {
    // 192.168.0.1 has the top bit set: a signed comparison would get this wrong.
    expect(localIsDominant(id('192.168.0.1'), id('10.0.0.1'), 1, 2)).toBe(true);
    expect(localIsDominant(id('10.0.0.1'), id('192.168.0.1'), 2, 1)).toBe(false);
    expect(localIsDominant(id('255.255.255.255'), id('255.255.255.254'), 1, 2)).toBe(true);
  });

  it('falls back to the larger AS when identifiers are equal (RFC 6286 §2.3)', () => {
    expect(localIsDominant(id('10.0.0.1'), id('10.0.0.1'), 65002, 65001)).toBe(true);
    expect(localIsDominant(id('10.0.0.1'), id('10.0.0.1'), 65001, 4_200_000_000)).toBe(false);
  });
});

describe('OpenConfirm collisions keep the connection the dominant speaker initiated', () => {
  it.each([
    // local ID, remote ID, existing initiated by, closes
    ['10.0.0.1', '10.0.0.2', 'local', 'existing'], // peer dominant: keep its (incoming) connection
    ['10.0.0.1', '10.0.0.2', 'remote', 'new'], // peer dominant: the existing one is its own
    ['10.0.0.2', '10.0.0.1', 'local', 'new'], // we are dominant: keep ours (existing)
    ['10.0.0.2', '10.0.0.1', 'remote', 'existing'], // we are dominant: keep ours (the new one)
  ] as const)('local %s, remote %s, existing by %s → close %s', (local, remote, existing, closes) => {
    const d = resolveCollision(input(local, remote, existing));
    expect(d.close).toBe(closes);
    if (d.close === 'existing' || d.close === 'new') expect([d.notification.code, d.notification.subcode]).toEqual([6, 7]);
  });

  it('with equal identifiers keeps the connection of the larger AS', () => {
    // Our AS 65001 < 65002: the peer is dominant, so its connection (incoming) stays.
    expect(resolveCollision(input('10.0.0.1', '10.0.0.1', 'local')).close).toBe('existing');
    expect(resolveCollision(input('10.0.0.1', '10.0.0.1', 'local', 'OpenConfirm', { localAs: 65003 })).close).toBe('new');
  });
});

describe('other states of the existing connection', () => {
  it('an Established session wins over a new connection', () => {
    expect(resolveCollision(input('10.0.0.1', '10.0.0.2', 'local', 'Established')).close).toBe('new');
  });

  it('with CollisionDetectEstablishedState, Established is resolved like OpenConfirm', () => {
    expect(resolveCollision(input('10.0.0.1', '10.0.0.2', 'local', 'Established', { collisionDetectEstablished: true })).close).toBe('existing');
  });

  it.each(['Connect', 'Active'] as const)('a mere TCP attempt in %s is abandoned', (state) => {
    expect(resolveCollision(input('10.0.0.2', '10.0.0.1', 'local', state)).close).toBe('abandon-existing');
  });

  it.each(['Idle', 'OpenSent'] as const)('nothing is decided while the other is %s', (state) => {
    expect(resolveCollision(input('10.0.0.2', '10.0.0.1', 'local', state)).close).toBe('none');
  });

  it('two connections initiated by the same side: the newer one goes', () => {
    const d = resolveCollision({ ...input('10.0.0.1', '10.0.0.2', 'remote'), incoming: { initiator: 'remote' } });
    expect(d.close).toBe('new');
  });
});
