/** BGP4MP and BGP4MP_ET decoding (RFC 6396 §4.4, RFC 8050 §5). */
import type { Reader } from '../cursor';
import { Bgp4mpSubtype } from './constants';
import { mrtReader, readAddress } from './fields';
import type { Bgp4mpMessageRecord, Bgp4mpPeering, Bgp4mpStateChangeRecord, MrtHeader } from './types';

interface MessageVariant {
  readonly as4: boolean;
  readonly local: boolean;
  readonly addPath: boolean;
}

const MESSAGE_VARIANTS: Readonly<Record<number, MessageVariant>> = {
  [Bgp4mpSubtype.Message]: { as4: false, local: false, addPath: false },
  [Bgp4mpSubtype.MessageAs4]: { as4: true, local: false, addPath: false },
  [Bgp4mpSubtype.MessageLocal]: { as4: false, local: true, addPath: false },
  [Bgp4mpSubtype.MessageAs4Local]: { as4: true, local: true, addPath: false },
  [Bgp4mpSubtype.MessageAddPath]: { as4: false, local: false, addPath: true },
  [Bgp4mpSubtype.MessageAs4AddPath]: { as4: true, local: false, addPath: true },
  [Bgp4mpSubtype.MessageLocalAddPath]: { as4: false, local: true, addPath: true },
  [Bgp4mpSubtype.MessageAs4LocalAddPath]: { as4: true, local: true, addPath: true },
};

export function messageVariant(subtype: number): MessageVariant | undefined {
  return MESSAGE_VARIANTS[subtype];
}

const NO_ADDRESS = '0.0.0.0';

/** Peer AS | Local AS | Interface Index | AFI | Peer IP | Local IP (RFC 6396 §4.4.1). */
function readPeering(r: Reader, as4: boolean): Bgp4mpPeering {
  const peerAs = as4 ? r.u32() : r.u16();
  const localAs = as4 ? r.u32() : r.u16();
  const interfaceIndex = r.u16();
  const afi = r.u16();
  const peerAddress = readAddress(r, afi);
  const localAddress = readAddress(r, afi);
  return { peerAs, localAs, interfaceIndex, afi, peerAddress, localAddress };
}

/** RFC 6396 §4.4.1 STATE_CHANGE and §4.4.4 STATE_CHANGE_AS4. */
export function decodeStateChange(header: MrtHeader, body: Buffer): Bgp4mpStateChangeRecord {
  const as4 = header.subtype === Bgp4mpSubtype.StateChangeAs4;
  const r = mrtReader(body);
  if (!as4 && body.length === 8) {
    // Legacy Zebra: Peer AS | Local AS | Old State | New State, no interface, AFI or addresses.
    const peerAs = r.u16();
    const localAs = r.u16();
    const oldState = r.u16();
    const newState = r.u16();
    const peering = { peerAs, localAs, interfaceIndex: 0, afi: 0, peerAddress: NO_ADDRESS, localAddress: NO_ADDRESS, noAddresses: true } as const;
    return { kind: 'bgp4mp-state-change', header, as4, ...peering, oldState, newState };
  }
  const peering = readPeering(r, as4);
  const oldState = r.u16();
  const newState = r.u16();
  return { kind: 'bgp4mp-state-change', header, as4, ...peering, oldState, newState };
}

/** RFC 6396 §4.4.2–4.4.6 MESSAGE variants: the peering fields, then the whole BGP message. */
export function decodeMessage(header: MrtHeader, body: Buffer): Bgp4mpMessageRecord {
  const variant = MESSAGE_VARIANTS[header.subtype];
  const r = mrtReader(body);
  if (variant === undefined) return r.fail(`BGP4MP subtype ${header.subtype} is not a MESSAGE`);
  const asWidth = variant.as4 ? 4 : 2;
  if (body.length >= 2 * asWidth + 4 && body.readUInt32BE(2 * asWidth) === 0xffffffff) {
    // Legacy Zebra wrote OPENs without Interface, AFI and addresses: the marker follows the ASNs directly.
    const peerAs = variant.as4 ? r.u32() : r.u16();
    const localAs = variant.as4 ? r.u32() : r.u16();
    const message = r.rest();
    const peering = { peerAs, localAs, interfaceIndex: 0, afi: 0, peerAddress: NO_ADDRESS, localAddress: NO_ADDRESS, noAddresses: true } as const;
    return { kind: 'bgp4mp-message', header, ...variant, ...peering, message };
  }
  // Built field by field (no spreads): this runs once per UPDATE of a dump.
  const peerAs = variant.as4 ? r.u32() : r.u16();
  const localAs = variant.as4 ? r.u32() : r.u16();
  const interfaceIndex = r.u16();
  const afi = r.u16();
  const peerAddress = readAddress(r, afi);
  const localAddress = readAddress(r, afi);
  const message = r.rest();
  const { as4, local, addPath } = variant;
  return { kind: 'bgp4mp-message', header, as4, local, addPath, peerAs, localAs, interfaceIndex, afi, peerAddress, localAddress, message };
}
