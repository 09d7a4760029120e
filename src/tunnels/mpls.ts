/**
 * MPLS label stack entries (RFC 3032 §2.1) and MPLS in GRE (RFC 4023 §3:
 * GRE protocol type 0x8847). Entries are kept as raw 32-bit words in typed
 * arrays; the accessors below pull the fields out.
 *
 *    0                   1                   2                   3
 *   |                Label                  | TC  |S|      TTL      |
 */
import { put32, u32 } from './bytes';
import { DropReason, TunnelCodecError } from './errors';
import { createGreHeader, greHeaderLength, GreProtocol } from './gre';
import { greTunnelOptions, parseGreIpv4Outer, writeGreTail, type GreTunnelOptions } from './gre-ipv4';
import { createIpv4Header, IPV4_HEADER_LENGTH, IpProtocol } from './ipv4-header';
import { createEncapResult, writeOuterIpv4, type EncapResult, type Ipv4TunnelConfig } from './ipv4-tunnel';

/** RFC 3032 §2.1 and RFC 7274 reserved label values. */
export const MplsLabel = {
  Ipv4ExplicitNull: 0,
  RouterAlert: 1,
  Ipv6ExplicitNull: 2,
  ImplicitNull: 3,
  EntropyLabelIndicator: 7,
  Gal: 13,
  OamAlert: 14,
} as const;

export const MPLS_ENTRY_LENGTH = 4;
export const MPLS_MAX_LABEL = 0xfffff;

/** One label stack entry as a 32-bit word. */
export function encodeLabelStackEntry(label: number, trafficClass: number, bottomOfStack: boolean, ttl: number): number {
  return (((label & MPLS_MAX_LABEL) << 12) | ((trafficClass & 7) << 9) | (bottomOfStack ? 0x100 : 0) | (ttl & 0xff)) >>> 0;
}

export const labelOf = (entry: number): number => entry >>> 12;
/** RFC 5462: the former EXP field. */
export const trafficClassOf = (entry: number): number => (entry >>> 9) & 7;
export const isBottomOfStack = (entry: number): boolean => (entry & 0x100) !== 0;
export const ttlOf = (entry: number): number => entry & 0xff;

/** Labels to push, caller-owned and reused per packet: labels[0] ends on top. */
export interface LabelPush {
  labels: Uint32Array;
  count: number;
  trafficClass: number;
  /**
   * TTL of every pushed entry: the IP TTL for the uniform model (RFC 3032
   * §2.4.3), 255 for the pipe model (RFC 3443 §3).
   */
  ttl: number;
}

export function labelPush(labels: readonly number[], trafficClass = 0, ttl = 255): LabelPush {
  return { labels: Uint32Array.from(labels), count: labels.length, trafficClass, ttl };
}

/**
 * Writes push.count entries ending at payloadOffset (the stack then starts at
 * payloadOffset - 4 * count), S set on the last one only.
 */
export function pushLabelStack(buf: Buffer, payloadOffset: number, push: LabelPush): DropReason {
  const start = payloadOffset - push.count * MPLS_ENTRY_LENGTH;
  if (push.count > push.labels.length) return DropReason.MplsStackTooDeep;
  if (start < 0) return DropReason.NoHeadroom;
  for (let i = 0; i < push.count; i++) {
    const label = push.labels[i] ?? 0;
    put32(buf, start + i * MPLS_ENTRY_LENGTH, encodeLabelStackEntry(label, push.trafficClass, i === push.count - 1, push.ttl));
  }
  return DropReason.Ok;
}

/** A decoded stack; entries[0] is the top. Reused per packet. */
export interface LabelStack {
  entries: Uint32Array;
  depth: number;
  payloadOffset: number;
}

export function createLabelStack(capacity = 8): LabelStack {
  return { entries: new Uint32Array(capacity), depth: 0, payloadOffset: 0 };
}

/**
 * Reads entries from buf[offset] up to and including the one with S set.
 * RFC 3032 §2.1: label 3 (implicit null) is advertised but never sent, so
 * meeting it on the wire means a broken peer.
 */
export function parseLabelStack(buf: Buffer, offset: number, length: number, out: LabelStack): DropReason {
  const end = Math.min(offset + length, buf.length);
  let at = offset;
  let depth = 0;
  for (;;) {
    if (at + MPLS_ENTRY_LENGTH > end) return DropReason.Truncated;
    if (depth === out.entries.length) return DropReason.MplsStackTooDeep;
    const entry = u32(buf, at);
    if (labelOf(entry) === MplsLabel.ImplicitNull) return DropReason.MplsBadLabel;
    out.entries[depth++] = entry;
    at += MPLS_ENTRY_LENGTH;
    if (isBottomOfStack(entry)) break;
  }
  out.depth = depth;
  out.payloadOffset = at;
  return DropReason.Ok;
}

/** What an MPLS decapsulation found; the payload is buf[payloadOffset, payloadOffset + payloadLength). */
export interface MplsDecapResult extends LabelStack {
  payloadLength: number;
  outerSource: number;
  outerDestination: number;
  /** The outer TOS octet, for the caller's DSCP/ECN handling of the payload. */
  outerTos: number;
  key: number | null;
  sequence: number | null;
  /** UDP source port (MPLS in UDP), else 0. */
  sourcePort: number;
}

export function createMplsDecapResult(capacity = 8): MplsDecapResult {
  return { ...createLabelStack(capacity), payloadLength: 0, outerSource: 0, outerDestination: 0, outerTos: 0, key: null, sequence: null, sourcePort: 0 };
}

/**
 * Pushes the labels, GRE (0x8847) and the outer header in front of the
 * payload at buf[payloadOffset]. The payload is opaque here, so the caller
 * passes the outer TOS (ecn.ts outerTos of the inner IP packet, if any) and
 * DF comes only from config.dontFragment 'set'.
 */
export function encapsulateMplsGre(
  buf: Buffer,
  payloadOffset: number,
  payloadLength: number,
  push: LabelPush,
  config: Ipv4TunnelConfig,
  gre: GreTunnelOptions,
  tos: number,
  out: EncapResult,
): DropReason {
  if (push.count > push.labels.length) return DropReason.MplsStackTooDeep;
  const stackLength = push.count * MPLS_ENTRY_LENGTH;
  const overhead = IPV4_HEADER_LENGTH + greHeaderLength(gre.checksum, gre.key !== null, gre.sequenceNumbers);
  const reason = writeOuterIpv4(buf, payloadOffset - stackLength, payloadLength + stackLength, overhead, IpProtocol.Gre, config, tos, false, out);
  if (reason !== DropReason.Ok) return reason;
  pushLabelStack(buf, payloadOffset, push);
  writeGreTail(buf, out, GreProtocol.MplsUnicast, gre);
  return DropReason.Ok;
}

const outerScratch = createIpv4Header();
const greScratch = createGreHeader();

/** Decapsulates MPLS in GRE over IPv4: checks outer and GRE headers, reads the label stack. */
export function decapsulateMplsGre(buf: Buffer, offset: number, length: number, out: MplsDecapResult): DropReason {
  const outer = outerScratch;
  const gre = greScratch;
  const reason = parseGreIpv4Outer(buf, offset, length, outer, gre);
  if (reason !== DropReason.Ok) return reason;
  if (gre.protocol !== GreProtocol.MplsUnicast) return DropReason.UnexpectedProtocol;
  const stackOffset = offset + outer.headerLength + gre.headerLength;
  const end = offset + outer.totalLength;
  const stackReason = parseLabelStack(buf, stackOffset, end - stackOffset, out);
  if (stackReason !== DropReason.Ok) return stackReason;
  out.payloadLength = end - out.payloadOffset;
  out.outerSource = outer.source;
  out.outerDestination = outer.destination;
  out.outerTos = (outer.dscp << 2) | outer.ecn;
  out.key = gre.key;
  out.sequence = gre.sequence;
  out.sourcePort = 0;
  return DropReason.Ok;
}

/** Allocating form for tests and the CLI. Throws TunnelCodecError. */
export function mplsGreEncapsulate(
  payload: Buffer,
  push: LabelPush,
  config: Ipv4TunnelConfig,
  gre: GreTunnelOptions = greTunnelOptions(),
  tos = 0,
): Buffer {
  const overhead = IPV4_HEADER_LENGTH + greHeaderLength(gre.checksum, gre.key !== null, gre.sequenceNumbers) + push.count * MPLS_ENTRY_LENGTH;
  const buf = Buffer.alloc(overhead + payload.length);
  payload.copy(buf, overhead);
  const out = createEncapResult();
  const reason = encapsulateMplsGre(buf, overhead, payload.length, push, config, gre, tos, out);
  if (reason !== DropReason.Ok) throw new TunnelCodecError(reason, out.mtu);
  return buf.subarray(out.offset, out.offset + out.length);
}
