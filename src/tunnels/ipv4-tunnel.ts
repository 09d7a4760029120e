/**
 * What every IPv4-over-IPv4 encapsulation shares (IP-in-IP, GRE, MPLS in GRE
 * or UDP): the per-tunnel configuration, the outer header's TTL, TOS, DF and
 * MTU rules, the outer-header checks at the exit, and the inner packet's
 * TTL and ECN handling there. Packets are edited in the caller's buffer:
 * encapsulation prepends headers in front of the inner packet (the caller
 * leaves headroom), decapsulation reports where the inner packet lies.
 */
import { DropReason } from './errors';
import { decapsulatedTos, ECN_DROP, isUnexpectedEcnCombination, outerTos, type EcnEncapMode, type OuterDscp } from './ecn';
import {
  createIpv4Header,
  IdentificationCounter,
  IPV4_MAX_TOTAL_LENGTH,
  parseIpv4Header,
  setIpv4Tos,
  writeIpv4Header,
  type Ipv4Header,
  type Ipv4HeaderFields,
} from './ipv4-header';

export interface Ipv4TunnelConfig {
  source: number;
  destination: number;
  /** RFC 2003 §3.1: a value appropriate for reaching the tunnel exit; independent of the inner TTL. */
  ttl: number;
  dscp: OuterDscp;
  ecnMode: EcnEncapMode;
  /**
   * RFC 2003 §3.1: an inner DF MUST be copied; when the inner DF is clear the
   * outer one MAY be set ('set', for path MTU discovery over the tunnel path).
   */
  dontFragment: 'copy' | 'set';
  /** MTU of the path to the tunnel destination, outer header included. */
  pathMtu: number;
  identification: IdentificationCounter;
}

export function ipv4TunnelConfig(
  fields: Pick<Ipv4TunnelConfig, 'source' | 'destination'> & Partial<Ipv4TunnelConfig>,
): Ipv4TunnelConfig {
  return {
    ttl: 64,
    dscp: 'copy',
    ecnMode: 'normal',
    dontFragment: 'copy',
    pathMtu: 1500,
    identification: new IdentificationCounter(),
    ...fields,
  };
}

/** Where an encapsulated packet lies in the caller's buffer, or the MTU to report. */
export interface EncapResult {
  offset: number;
  length: number;
  /** With FragmentationNeeded: the tunnel MTU (path MTU minus the encapsulation overhead, RFC 2003 §5.1). */
  mtu: number;
}

export function createEncapResult(): EncapResult {
  return { offset: 0, length: 0, mtu: 0 };
}

export interface Ipv4DecapOptions {
  /** RFC 2983 uniform model at the egress: the outer DSCP replaces the inner one. Default false (pipe). */
  copyOuterDscp: boolean;
}

export const DEFAULT_DECAP_OPTIONS: Ipv4DecapOptions = { copyOuterDscp: false };

/** Where the decapsulated inner packet lies, and what the outer headers said. */
export interface DecapResult {
  offset: number;
  length: number;
  outerSource: number;
  outerDestination: number;
  /** GRE key (RFC 2890 §2.1), null for IP-in-IP or when absent. */
  key: number | null;
  sequence: number | null;
  /** An RFC 6040 (!!!) ECN combination was seen: count or log it. */
  ecnUnexpected: boolean;
}

export function createDecapResult(): DecapResult {
  return { offset: 0, length: 0, outerSource: 0, outerDestination: 0, key: null, sequence: null, ecnUnexpected: false };
}

/** Per-packet outer header fields, reused: written only by this module, one packet at a time. */
const outerFields: Ipv4HeaderFields = { dscp: 0, ecn: 0, identification: 0, dontFragment: false, ttl: 0, protocol: 0, source: 0, destination: 0 };
const innerScratch = createIpv4Header();

/**
 * Writes the outer header `overhead` octets in front of a payload of
 * `payloadLength` octets at payloadOffset (the octets between are the
 * caller's: GRE, UDP, labels), after the size checks. A payload that is not
 * an IPv4 packet (MPLS) passes its own tos and DF.
 */
export function writeOuterIpv4(
  buf: Buffer,
  payloadOffset: number,
  payloadLength: number,
  overhead: number,
  protocol: number,
  config: Ipv4TunnelConfig,
  tos: number,
  innerDontFragment: boolean,
  out: EncapResult,
): DropReason {
  const start = payloadOffset - overhead;
  const total = overhead + payloadLength;
  out.mtu = 0;
  if (payloadOffset + payloadLength > buf.length) return DropReason.Truncated;
  if (start < 0) return DropReason.NoHeadroom;
  if (total > IPV4_MAX_TOTAL_LENGTH) return DropReason.PacketTooBig;
  let dontFragment = innerDontFragment || config.dontFragment === 'set';
  if (total > config.pathMtu) {
    if (innerDontFragment) {
      // RFC 2003 §5.1 / RFC 1191 §4: the sender learns the tunnel MTU, not the path MTU.
      out.mtu = config.pathMtu - overhead;
      return DropReason.FragmentationNeeded;
    }
    // The inner packet may be fragmented: leave outer fragmentation to the sending stack.
    dontFragment = false;
  }
  outerFields.dscp = tos >>> 2;
  outerFields.ecn = tos & 3;
  outerFields.identification = config.identification.next();
  outerFields.dontFragment = dontFragment;
  outerFields.ttl = config.ttl;
  outerFields.protocol = protocol;
  outerFields.source = config.source;
  outerFields.destination = config.destination;
  writeIpv4Header(buf, start, outerFields, total);
  out.offset = start;
  out.length = total;
  return DropReason.Ok;
}

/**
 * Checks the inner IPv4 packet and writes the outer header in front of it.
 * The inner packet is used up to its Total Length (link padding dropped);
 * its header checksum is not re-verified (the forwarding step did that).
 * On Ok, out.length is the outer packet's length including the inner one.
 */
export function encapsulateIpv4Packet(
  buf: Buffer,
  innerOffset: number,
  innerLength: number,
  overhead: number,
  protocol: number,
  config: Ipv4TunnelConfig,
  out: EncapResult,
): DropReason {
  const inner = innerScratch;
  const reason = parseIpv4Header(buf, innerOffset, innerLength, inner, false);
  if (reason !== DropReason.Ok) return reason;
  // RFC 2003 §3.1: an encapsulator MUST NOT encapsulate a datagram with TTL 0.
  if (inner.ttl === 0) return DropReason.InnerTtlZero;
  // RFC 2003 §3.2: a datagram from the tunnel's far end sent back into the tunnel is a loop.
  if (inner.source === config.destination >>> 0) return DropReason.TunnelLoop;
  const tos = outerTos((inner.dscp << 2) | inner.ecn, config.dscp, config.ecnMode);
  return writeOuterIpv4(buf, innerOffset, inner.totalLength, overhead, protocol, config, tos, inner.dontFragment, out);
}

/**
 * Validates an arriving outer header: checksum (RFC 1812 §5.2.2), the
 * expected protocol, and no fragmentation (reassembly is not done here).
 */
export function parseOuterIpv4(buf: Buffer, offset: number, length: number, protocol: number, outer: Ipv4Header): DropReason {
  const reason = parseIpv4Header(buf, offset, length, outer, true);
  if (reason !== DropReason.Ok) return reason;
  if (outer.moreFragments || outer.fragmentOffset !== 0) return DropReason.OuterFragment;
  if (outer.protocol !== protocol) return DropReason.UnexpectedProtocol;
  return DropReason.Ok;
}

/**
 * The exit's work on the inner IPv4 packet at buf[innerOffset], `available`
 * octets long: validate it, drop TTL 0 (RFC 2003 §3.1: the inner TTL is not
 * changed by decapsulation, but a 0 MUST be discarded), and combine ECN per
 * RFC 6040 §4.2, patching the inner checksum when the TOS octet changes.
 */
export function finishIpv4Decap(
  buf: Buffer,
  innerOffset: number,
  available: number,
  outerTosValue: number,
  options: Ipv4DecapOptions,
  out: DecapResult,
): DropReason {
  const inner = innerScratch;
  const reason = parseIpv4Header(buf, innerOffset, available, inner, true);
  if (reason !== DropReason.Ok) return reason;
  if (inner.ttl === 0) return DropReason.InnerTtlZero;
  const innerTos = (inner.dscp << 2) | inner.ecn;
  const tos = decapsulatedTos(innerTos, outerTosValue, options.copyOuterDscp);
  out.ecnUnexpected = isUnexpectedEcnCombination(inner.ecn, outerTosValue & 3);
  if (tos === ECN_DROP) return DropReason.EcnDrop;
  setIpv4Tos(buf, innerOffset, tos);
  out.offset = innerOffset;
  out.length = inner.totalLength;
  return DropReason.Ok;
}

