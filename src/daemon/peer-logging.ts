/** What an operator reads about one BGP session: every line tagged with the neighbor. */
import type { Peer } from '../bgp/session/peer';
import { familyName } from '../bgp/wire/values/family';
import type { Logger } from './logging';

export function attachPeerLogging(peer: Peer, log: Logger): void {
  peer.on('state', (from, to) => log.debug(`state ${from} -> ${to}`));
  peer.on('established', (s) =>
    log.info(
      `session established with AS ${s.peerAs} (router id ${s.peerBgpId}), hold time ${s.holdTime}s, families ${s.families.map((f) => familyName(f.afi, f.safi)).join(', ')}`,
    ),
  );
  peer.on('down', (d) => log.warn(`session down: ${d.text}${d.graceful ? `; keeping routes stale for up to ${d.graceful.restartTime}s (graceful restart)` : ''}`));
  peer.on('max-prefix', (e) =>
    log.warn(`${familyName(e.afi, e.safi)}: ${e.count} prefixes, limit ${e.limit} (${e.kind}); ${e.action === 'teardown' ? 'closing the session (Cease/Maximum Number of Prefixes Reached)' : 'warning only'}`),
  );
  peer.on('update', (m) => {
    for (const e of m.errors) log.warn(`UPDATE error in attribute ${e.attributeType}: ${e.reason} -> ${e.action} (RFC 7606)`);
  });
}
