/**
 * Packet encapsulation codecs: pure functions over Buffer, no I/O. See
 * docs/tunnels.md for what each applies and leaves out.
 */
export * from './errors';
export * from './checksum';
export * from './ipv4-header';
export * from './ecn';
export * from './gre';
export * from './ipv4-tunnel';
export * from './ipip';
export * from './gre-ipv4';
export * from './mpls';
export * from './mpls-udp';
export * from './icmp';
export * from './flow-hash';
