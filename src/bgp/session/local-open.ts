/** Our OPEN message, built from the neighbor configuration (RFC 4271 §4.2, RFC 5492). */
import { AS_TRANS } from '../wire/constants';
import type { Capability } from '../wire/capabilities/types';
import { BGP_VERSION } from '../wire/messages/open';
import type { OpenMessage } from '../wire/messages/types';
import type { NeighborConfig } from './negotiate-types';

/** RFC 6793 §3: an AS that does not fit in 16 bits goes as AS_TRANS in My AS. */
export function myAsField(asn: number): number {
  return asn > 0xffff ? AS_TRANS : asn;
}

/**
 * The capabilities we announce, in a stable order (families first, like FRR
 * and BIRD, which makes captures easy to compare).
 */
export function localCapabilities(config: NeighborConfig): Capability[] {
  const caps: Capability[] = config.families.map((f) => ({ type: 'multiprotocol', afi: f.afi, safi: f.safi }));
  if (config.routeRefresh) caps.push({ type: 'route-refresh' });
  if (config.enhancedRouteRefresh) caps.push({ type: 'enhanced-route-refresh' });
  if (config.extendedMessage) caps.push({ type: 'extended-message' });
  // RFC 6793 §3: a speaker whose AS needs 4 octets cannot work without the capability.
  if (config.fourOctetAs || config.localAs > 0xffff) caps.push({ type: 'four-octet-as', asn: config.localAs });
  // RFC 7911 §4: all families in one ADD-PATH capability; only families we announce.
  const addPath = config.addPath.filter((a) => config.families.some((f) => f.afi === a.afi && f.safi === a.safi));
  if (addPath.length > 0) caps.push({ type: 'add-path', families: addPath });
  const gr = config.gracefulRestart;
  if (gr !== null) {
    caps.push({
      type: 'graceful-restart',
      restarting: gr.restarting,
      notification: gr.notification,
      restartTime: gr.restartTime,
      families: gr.families,
    });
    // RFC 9494 §3.1: LLGR is meaningless (and ignored) without the GR capability.
    if (config.llgr.length > 0) caps.push({ type: 'long-lived-graceful-restart', families: config.llgr });
  }
  if (config.fqdn !== null) caps.push({ type: 'fqdn', hostname: config.fqdn.hostname, domain: config.fqdn.domain });
  return caps;
}

export function buildOpenMessage(config: NeighborConfig): OpenMessage {
  return {
    type: 'open',
    version: BGP_VERSION,
    myAs: myAsField(config.localAs),
    holdTime: config.holdTime,
    bgpId: config.routerId,
    capabilities: localCapabilities(config),
  };
}
