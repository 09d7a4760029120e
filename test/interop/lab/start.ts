/** One call to build a daemon of a given kind on a lab node and start it. */
import type { LabNode } from './netns';
import { BirdPeer } from './peers/bird';
import { ExabgpPeer } from './peers/exabgp';
import { FrrPeer } from './peers/frr';
import { GobgpPeer } from './peers/gobgp';
import { OpenbgpdPeer } from './peers/openbgpd';
import type { PeerKind } from './peers/peer';
import type { PeerSpec } from './types';

export interface PeerClasses {
  gobgp: GobgpPeer;
  bird: BirdPeer;
  frr: FrrPeer;
  openbgpd: OpenbgpdPeer;
  exabgp: ExabgpPeer;
}

/** Creates the peer for node and starts it (unless start: false). */
export async function startPeer<K extends PeerKind>(
  kind: K,
  node: LabNode,
  spec: PeerSpec,
  opts: { start?: boolean } = {},
): Promise<PeerClasses[K]> {
  const make: { [P in PeerKind]: () => PeerClasses[P] } = {
    gobgp: () => new GobgpPeer(node, spec),
    bird: () => new BirdPeer(node, spec),
    frr: () => new FrrPeer(node, spec),
    openbgpd: () => new OpenbgpdPeer(node, spec),
    exabgp: () => new ExabgpPeer(node, spec),
  };
  const peer = make[kind]();
  if (opts.start !== false) await peer.start();
  return peer;
}
