/**
 * The DS field across a tunnel: ECN per RFC 6040 and DSCP per RFC 2983.
 * TOS octet = DSCP (6 bits) << 2 | ECN (2 bits) (RFC 2474, RFC 3168).
 */

/** RFC 3168 §5 codepoints. */
export const Ecn = { NotEct: 0, Ect1: 1, Ect0: 2, Ce: 3 } as const;
export type Ecn = (typeof Ecn)[keyof typeof Ecn];

/** decapsulateEcn's answer when the packet must be dropped. */
export const ECN_DROP = -1;

/**
 * RFC 6040 §4.1. Normal mode copies the inner ECN field into the outer
 * header (CE included), so congestion marked inside the tunnel survives to
 * the egress. Compatibility mode sends Not-ECT outside, for egresses that
 * predate RFC 3168/4301 and would lose a CE mark anyway.
 */
export type EcnEncapMode = 'normal' | 'compatibility';

/**
 * RFC 2983 §3: 'uniform' copies the inner DSCP outward (default: the tunnel is
 * invisible to DiffServ); a number is the pipe model's fixed outer DSCP.
 */
export type OuterDscp = 'copy' | number;

export function encapsulateEcn(innerEcn: number, mode: EcnEncapMode): number {
  return mode === 'normal' ? innerEcn & 3 : Ecn.NotEct;
}

/** The outer TOS octet for an inner TOS octet. */
export function outerTos(innerTos: number, dscp: OuterDscp, ecnMode: EcnEncapMode): number {
  const outerDscp = dscp === 'copy' ? innerTos >>> 2 : dscp & 0x3f;
  return (outerDscp << 2) | encapsulateEcn(innerTos & 3, ecnMode);
}

/*
 * RFC 6040 §4.2 Figure 4, indexed [inner * 4 + outer], codepoints as numbers
 * (Not-ECT 0, ECT(1) 1, ECT(0) 2, CE 3):
 *
 *   inner \ outer | Not-ECT | ECT(0)       | ECT(1)       | CE
 *   Not-ECT       | Not-ECT | Not-ECT(!!!) | Not-ECT(!!!) | drop(!!!)
 *   ECT(0)        | ECT(0)  | ECT(0)       | ECT(1)       | CE
 *   ECT(1)        | ECT(1)  | ECT(1) (!)   | ECT(1)       | CE
 *   CE            | CE      | CE           | CE(!!!)      | CE
 */
const DECAP = Int8Array.from([
  // outer: Not-ECT, ECT(1), ECT(0), CE
  /* inner Not-ECT */ 0, 0, 0, ECN_DROP,
  /* inner ECT(1)  */ 1, 1, 1, 3,
  /* inner ECT(0)  */ 2, 1, 2, 3,
  /* inner CE      */ 3, 3, 3, 3,
]);

/** The (!!!) cells: combinations no compliant ingress produces, which RFC 6040 §4.2 says the egress SHOULD log. */
const UNEXPECTED = Uint8Array.from([
  0, 1, 1, 1,
  0, 0, 0, 0,
  0, 0, 0, 0,
  0, 1, 0, 0,
]);

/**
 * RFC 6040 §4.2: the ECN field of the decapsulated packet, or ECN_DROP for an
 * inner Not-ECT arriving with outer CE (the transport cannot be told about
 * the congestion, so dropping is the only signal left).
 */
export function decapsulateEcn(innerEcn: number, outerEcn: number): number {
  return DECAP[((innerEcn & 3) << 2) | (outerEcn & 3)] ?? ECN_DROP;
}

/** True for the (!!!) combinations of RFC 6040 §4.2, for a counter or a rate-limited log. */
export function isUnexpectedEcnCombination(innerEcn: number, outerEcn: number): boolean {
  return UNEXPECTED[((innerEcn & 3) << 2) | (outerEcn & 3)] === 1;
}

/**
 * The inner TOS octet after decapsulation, or ECN_DROP. With copyOuterDscp
 * (RFC 2983 uniform model at the egress) the outer DSCP replaces the inner
 * one; otherwise (pipe model, the default) the inner DSCP is kept, so a
 * tunnel peer cannot re-mark the traffic it carries.
 */
export function decapsulatedTos(innerTos: number, outerTosValue: number, copyOuterDscp: boolean): number {
  const ecn = decapsulateEcn(innerTos & 3, outerTosValue & 3);
  if (ecn === ECN_DROP) return ECN_DROP;
  const dscp = copyOuterDscp ? outerTosValue >>> 2 : innerTos >>> 2;
  return ((dscp & 0x3f) << 2) | ecn;
}
