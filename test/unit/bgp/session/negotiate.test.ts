/**
 * Capability negotiation (RFC 5492) and OPEN validation: the matrix of what
 * each side announced against what the session gets, and every refusal with
 * its NOTIFICATION.
 */
import type { AddPathMode, Capability } from '../../../../src/bgp/wire/capabilities/types';
import type { OpenMessage } from '../../../../src/bgp/wire/messages/types';
import { buildOpenMessage } from '../../../../src/bgp/session/local-open';
import { announcedFamilies, keepaliveFor, negotiateSession, type NegotiationResult } from '../../../../src/bgp/session/negotiate';
import type { NegotiatedSession, NeighborConfig } from '../../../../src/bgp/session/negotiate-types';
import { neighbor, peerOpen, PEER_AS } from './harness';

const V4U = { afi: 1, safi: 1 } as const;
const V6U = { afi: 2, safi: 1 } as const;
const VPNV4 = { afi: 1, safi: 128 } as const;
const mp = (f: { afi: number; safi: number }): Capability => ({ type: 'multiprotocol', afi: f.afi, safi: f.safi });

function negotiate(peer: OpenMessage, overrides: Partial<NeighborConfig> = {}): NegotiationResult {
  const cfg = neighbor(overrides);
  return negotiateSession(cfg, buildOpenMessage(cfg), peer);
}

function session(peer: OpenMessage, overrides: Partial<NeighborConfig> = {}): NegotiatedSession {
  const r = negotiate(peer, overrides);
  if (!r.ok) throw new Error(`refused: ${r.reason}`);
  return r.session;
}

function refusal(peer: OpenMessage, overrides: Partial<NeighborConfig> = {}): string {
  const r = negotiate(peer, overrides);
  if (r.ok) return 'accepted';
  const n = r.notification;
  return `${n.code}/${n.subcode}/${Buffer.from(n.data).toString('hex')}`;
}

describe('our OPEN', () => {
  it('puts a 2-octet AS in My AS and repeats it in the 4-octet AS capability', () => {
    const open = buildOpenMessage(neighbor());
    expect(open).toMatchObject({ version: 4, myAs: 65001, holdTime: 90, bgpId: '192.0.2.1' });
    expect(open.capabilities).toContainEqual({ type: 'four-octet-as', asn: 65001 });
  });

  it('puts AS_TRANS in My AS when the AS needs 4 octets (RFC 6793 §3), even if 4-octet AS was switched off', () => {
    const open = buildOpenMessage(neighbor({ localAs: 4_200_000_000, fourOctetAs: false }));
    expect(open.myAs).toBe(23456);
    expect(open.capabilities).toContainEqual({ type: 'four-octet-as', asn: 4_200_000_000 });
  });

  it('announces each family, route refresh, enhanced RR, extended message, ADD-PATH, GR, LLGR and FQDN', () => {
    const open = buildOpenMessage(
      neighbor({
        families: [V4U, VPNV4],
        addPath: [{ ...V4U, mode: 'both' }, { ...V6U, mode: 'send' }],
        gracefulRestart: { restartTime: 120, restarting: true, notification: true, families: [{ ...VPNV4, forwardingPreserved: true }] },
        llgr: [{ ...VPNV4, forwardingPreserved: false, staleTime: 3600 }],
        fqdn: { hostname: 'pe1', domain: 'example.net' },
      }),
    );
    expect(open.capabilities.map((c) => c.type)).toEqual([
      'multiprotocol',
      'multiprotocol',
      'route-refresh',
      'enhanced-route-refresh',
      'extended-message',
      'four-octet-as',
      'add-path',
      'graceful-restart',
      'long-lived-graceful-restart',
      'fqdn',
    ]);
    // RFC 7911 §4: one ADD-PATH capability, only for announced families.
    expect(open.capabilities).toContainEqual({ type: 'add-path', families: [{ ...V4U, mode: 'both' }] });
  });

  it('leaves LLGR out without graceful restart (RFC 9494 §3.1)', () => {
    const open = buildOpenMessage(neighbor({ llgr: [{ ...V4U, forwardingPreserved: false, staleTime: 60 }] }));
    expect(open.capabilities.map((c) => c.type)).not.toContain('long-lived-graceful-restart');
  });
});

describe('4-octet AS (RFC 6793)', () => {
  it('is used when both sides announce it', () => {
    const s = session(peerOpen());
    expect(s.fourOctetAs).toBe(true);
    expect(s.decodeContext.fourOctetAs).toBe(true);
    expect(s.encodeContext.fourOctetAs).toBe(true);
  });

  it('is not used toward an OLD peer; its AS comes from My AS', () => {
    const s = session(peerOpen({}, [mp(V4U)]));
    expect(s.fourOctetAs).toBe(false);
    expect(s.peerAs).toBe(PEER_AS);
    expect(s.encodeContext.fourOctetAs).toBe(false);
  });

  it('is not used when we do not announce it', () => {
    expect(session(peerOpen(), { fourOctetAs: false }).fourOctetAs).toBe(false);
  });

  it('takes the peer AS from the capability when My AS is AS_TRANS (§4.1)', () => {
    const s = session(peerOpen({ myAs: 23456 }, [mp(V4U), { type: 'four-octet-as', asn: 4_200_000_001 }]), { peerAs: 4_200_000_001 });
    expect(s.peerAs).toBe(4_200_000_001);
    expect(s.ibgp).toBe(false);
  });

  it.each([
    ['My AS 0 (RFC 7607)', peerOpen({ myAs: 0 }, [mp(V4U)]), '2/2/0000'],
    ['AS 0 in the capability', peerOpen({ myAs: 23456 }, [{ type: 'four-octet-as', asn: 0 }]), '2/2/00000000'],
    ['AS_TRANS in the capability', peerOpen({ myAs: 23456 }, [{ type: 'four-octet-as', asn: 23456 }]), '2/2/00005ba0'],
    ['a mappable capability AS that differs from My AS', peerOpen({ myAs: 65002 }, [{ type: 'four-octet-as', asn: 65003 }]), '2/2/0000fdeb'],
    ['a peer AS other than configured', peerOpen({ myAs: 23456 }, [{ type: 'four-octet-as', asn: 4_200_000_001 }]), '2/2/5ba0'],
  ])('refuses %s with Bad Peer AS', (_name, open, expected) => {
    expect(refusal(open)).toBe(expected);
  });

  it('accepts any AS when none is configured (dynamic neighbors)', () => {
    expect(session(peerOpen({ myAs: 64999 }, [mp(V4U)]), { peerAs: null }).peerAs).toBe(64999);
  });
});

describe('BGP Identifier and Hold Time', () => {
  it('refuses our own identifier on iBGP but accepts it on eBGP (RFC 6286 §2.2)', () => {
    const ibgp = peerOpen({ myAs: 65001, bgpId: '192.0.2.1' }, [mp(V4U), { type: 'four-octet-as', asn: 65001 }]);
    expect(refusal(ibgp, { peerAs: 65001 })).toBe('2/3/c0000201');
    expect(session(peerOpen({ bgpId: '192.0.2.1' })).peerBgpId).toBe('192.0.2.1');
  });

  it.each([
    [1, {}, '2/6/0001'],
    [2, {}, '2/6/0002'],
    [0, { allowHoldTimeZero: false }, '2/6/0000'],
    [9, { minHoldTime: 10 }, '2/6/0009'],
  ])('refuses hold time %p with 2/6', (holdTime, policy, expected) => {
    expect(refusal(peerOpen({ holdTime }), policy)).toBe(expected);
  });

  it.each([
    [90, 180, 90, 30],
    [90, 30, 30, 10],
    [90, 3, 3, 1],
    [90, 0, 0, 0],
    [0, 90, 0, 0],
  ])('local %p, remote %p → hold %p, keepalive %p', (local, remote, hold, keepalive) => {
    const s = session(peerOpen({ holdTime: remote }), { holdTime: local });
    expect(s.holdTime).toBe(hold);
    expect(s.keepaliveTime).toBe(keepalive);
  });

  it('uses a configured keepalive only when it is shorter than hold/3', () => {
    expect(keepaliveFor(90, 10)).toBe(10);
    expect(keepaliveFor(90, 60)).toBe(30);
    expect(keepaliveFor(4, null)).toBe(1);
  });
});

describe('families', () => {
  it('negotiates the families both sides announced, in our order', () => {
    const s = session(peerOpen({}, [mp(VPNV4), mp(V6U), mp(V4U)]), { families: [V4U, VPNV4] });
    expect(s.families).toEqual([V4U, VPNV4]);
  });

  it('takes a peer without any Multiprotocol capability as IPv4 unicast only', () => {
    expect(announcedFamilies([{ type: 'route-refresh' }])).toEqual([V4U]);
    expect(session(peerOpen({}, []), { families: [V4U, VPNV4] }).families).toEqual([V4U]);
  });

  it('refuses a session with no family in common: 2/7 listing ours (RFC 5492 §3)', () => {
    // 01 04 0001 00 80: Multiprotocol VPNv4.
    expect(refusal(peerOpen({}, [mp(V4U)]), { families: [VPNV4] })).toBe('2/7/010400010080');
  });

  it('refuses a peer lacking a required family: 2/7 with that capability', () => {
    const peer = peerOpen({}, [mp(V4U), { type: 'four-octet-as', asn: PEER_AS }]);
    expect(refusal(peer, { families: [V4U, VPNV4], requiredFamilies: [VPNV4] })).toBe('2/7/010400010080');
    // Not required: the session comes up without it.
    expect(session(peer, { families: [V4U, VPNV4] }).families).toEqual([V4U]);
  });

  it('refuses a peer lacking a required capability, sending ours', () => {
    // 41 04 0000fde9: 4-octet AS 65001.
    expect(refusal(peerOpen({}, [mp(V4U)]), { requiredCapabilities: ['four-octet-as'] })).toBe('2/7/41040000fde9');
    expect(refusal(peerOpen(), { requiredCapabilities: ['extended-message', 'four-octet-as'] })).toBe('2/7/0600');
  });
});

describe('ADD-PATH directions (RFC 7911 §5)', () => {
  const modes: (AddPathMode | undefined)[] = [undefined, 'receive', 'send', 'both'];
  const rows = modes.flatMap((ours) => modes.map((theirs) => [ours ?? 'none', theirs ?? 'none', ours, theirs] as const));

  it.each(rows)('we %s, they %s', (_a, _b, ours, theirs) => {
    const peerCaps: Capability[] = [mp(V4U), { type: 'four-octet-as', asn: PEER_AS }];
    if (theirs !== undefined) peerCaps.push({ type: 'add-path', families: [{ ...V4U, mode: theirs }] });
    const s = session(peerOpen({}, peerCaps), { addPath: ours === undefined ? [] : [{ ...V4U, mode: ours }] });
    const weReceive = (ours === 'receive' || ours === 'both') && (theirs === 'send' || theirs === 'both');
    const weSend = (ours === 'send' || ours === 'both') && (theirs === 'receive' || theirs === 'both');
    expect(s.addPath.receive.has('1/1')).toBe(weReceive);
    expect(s.addPath.send.has('1/1')).toBe(weSend);
    expect(s.decodeContext.addPath.has('1/1')).toBe(weReceive);
    expect(s.encodeContext.addPath.has('1/1')).toBe(weSend);
  });

  it('ignores ADD-PATH for a family that was not negotiated', () => {
    const peer = peerOpen({}, [mp(V4U), { type: 'add-path', families: [{ ...VPNV4, mode: 'both' }] }]);
    const s = session(peer, { families: [V4U, VPNV4], addPath: [{ ...VPNV4, mode: 'both' }] });
    expect(s.addPath.receive.size + s.addPath.send.size).toBe(0);
  });
});

describe('other capabilities', () => {
  it.each([
    [true, true, true],
    [true, false, false],
    [false, true, false],
  ])('extended message: ours %p, theirs %p → %p (RFC 8654: only both ways)', (ours, theirs, expected) => {
    const caps: Capability[] = [mp(V4U), { type: 'four-octet-as', asn: PEER_AS }];
    if (theirs) caps.push({ type: 'extended-message' });
    const s = session(peerOpen({}, caps), { extendedMessage: ours });
    expect(s.extendedMessage).toBe(expected);
    expect(s.decodeContext.extendedMessage).toBe(expected);
    expect(s.encodeContext.extendedMessage).toBe(expected);
  });

  it('route refresh needs both sides; the pre-standard code 128 counts', () => {
    expect(session(peerOpen()).routeRefresh).toBe(true);
    expect(session(peerOpen({}, [mp(V4U)])).routeRefresh).toBe(false);
    expect(session(peerOpen({}, [mp(V4U), { type: 'unknown', code: 128, value: new Uint8Array(0) }])).routeRefresh).toBe(true);
    expect(session(peerOpen(), { routeRefresh: false }).routeRefresh).toBe(false);
    expect(session(peerOpen({}, [mp(V4U), { type: 'enhanced-route-refresh' }])).enhancedRouteRefresh).toBe(true);
  });

  it('records the peer’s graceful restart for negotiated families, and LLGR only with GR', () => {
    const caps: Capability[] = [
      mp(V4U),
      mp(VPNV4),
      { type: 'graceful-restart', restarting: true, notification: true, restartTime: 90, families: [{ ...V4U, forwardingPreserved: true }, { ...V6U, forwardingPreserved: true }] },
      { type: 'long-lived-graceful-restart', families: [{ ...V4U, forwardingPreserved: false, staleTime: 3600 }] },
    ];
    const s = session(peerOpen({}, caps), { families: [V4U, VPNV4] });
    expect(s.gracefulRestart).toEqual({ restartTime: 90, restarting: true, notification: false, families: [{ ...V4U, forwardingPreserved: true }] });
    expect(s.llgr).toEqual([{ ...V4U, forwardingPreserved: false, staleTime: 3600 }]);
    // N bit only when both set it (RFC 8538).
    const ours = { restartTime: 120, restarting: false, notification: true, families: [] };
    expect(session(peerOpen({}, caps), { gracefulRestart: ours }).gracefulRestart?.notification).toBe(true);
    const noGr = caps.filter((c) => c.type !== 'graceful-restart');
    expect(session(peerOpen({}, noGr)).llgr).toEqual([]);
  });

  it('marks iBGP in both contexts', () => {
    const s = session(peerOpen({ myAs: 65001 }, [mp(V4U)]), { peerAs: 65001 });
    expect(s.ibgp).toBe(true);
    expect(s.decodeContext.ibgp).toBe(true);
  });
});
