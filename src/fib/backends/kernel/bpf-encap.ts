/**
 * Encapsulation the kernel here has no link types for (GRE, IP-in-IP, MPLS in
 * GRE), done by an eBPF lwt_xmit program attached to a nexthop object
 * (`ip nexthop add id X encap bpf xmit obj FILE section lwt_xmit dev lo`).
 *
 * An lwt program sees only the packet, not which route or nexthop sent it, so
 * each nexthop gets its own object file: one template compiled once with clang,
 * then copied with its parameters patched into `.rodata` (found by a magic).
 * libbpf loads `.rodata` as a frozen map, so the verifier treats every
 * parameter as a constant and prunes the modes not taken. The program pushes
 * the outer header with bpf_lwt_push_encap and returns BPF_LWT_REROUTE: the
 * kernel routes the new outer packet by its destination (an output lookup, so
 * `iif` rules do not match and the main table decides).
 *
 * The same template also serves the two non-encapsulating next hops a nexthop
 * object cannot otherwise express: "plain IP by the main table" (reroute
 * without pushing anything: a tunnel's fallback) and a drop that, unlike a
 * `blackhole` nexthop, may be a member of a multipath group.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KernelBackendError } from './errors';
import { formatIpv4 } from '../../address-text';

export const ENCAP_SECTION = 'lwt_xmit';
/** Outer IPv4 (20) + GRE with key (8) + 4 labels (16), plus room for the link header. */
export const ENCAP_HEADROOM = 64;

export const MODE_REROUTE = 0;
export const MODE_GRE = 1;
export const MODE_IPIP = 2;
export const MODE_DROP = 3;
export const MODE_MPLS_GRE = 4;

export type EncapParams =
  | { readonly mode: typeof MODE_REROUTE | typeof MODE_DROP }
  | { readonly mode: typeof MODE_GRE; readonly local: number; readonly remote: number; readonly key: number | null }
  | { readonly mode: typeof MODE_IPIP; readonly local: number; readonly remote: number }
  | { readonly mode: typeof MODE_MPLS_GRE; readonly local: number; readonly remote: number; readonly labels: readonly number[] };

const MAGIC = 'HDVPNPRM';

/** Kept in sync with `writeParams` below: magic[8], then u32 fields (host order unless marked). */
export const ENCAP_SOURCE = String.raw`
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct params {
  __u8 magic[8];
  __u32 mode;      /* 0 reroute (plain IP), 1 GRE, 2 IP-in-IP, 3 drop, 4 MPLS in GRE */
  __u32 local;     /* outer source, network order */
  __u32 remote;    /* outer destination, network order */
  __u32 key;       /* GRE key, network order (RFC 2890 section 2.1) */
  __u32 has_key;
  __u32 labels;    /* MPLS label stack depth, 0..4 */
  __u32 label[4];  /* label stack entries, network order, outermost first, S bit on the last */
};
volatile const struct params P = { .magic = "${MAGIC}", .mode = 0 };

struct outer {
  __u8 vihl, tos; __be16 tot_len, id, frag; __u8 ttl, protocol; __be16 check; __be32 saddr, daddr;
  __be16 gre_flags, gre_proto;
  __be32 extra[5];
};

SEC("${ENCAP_SECTION}")
int hdvpn_encap(struct __sk_buff *skb) {
  struct outer h = {};
  __u32 len = 20;
  __u32 mode = P.mode;
  if (mode == 0) return BPF_LWT_REROUTE;
  if (mode != 1 && mode != 2 && mode != 4) return BPF_DROP;
  h.vihl = 0x45; h.ttl = 64; h.saddr = P.local; h.daddr = P.remote;
  if (mode == 2) {
    /* RFC 2003; IPv6 inside IPv4 is protocol 41 (RFC 4213) */
    h.protocol = skb->protocol == __builtin_bswap16(0x86dd) ? 41 : 4;
  } else {
    /* RFC 2784/2890; MPLS in GRE is RFC 4023 */
    h.protocol = 47; len += 4;
    h.gre_proto = mode == 4 ? __builtin_bswap16(0x8847) : skb->protocol;
    __u32 labels = mode == 4 ? (P.labels > 4 ? 4 : P.labels) : 0;
    /* constant indices only: the verifier refuses a variable offset into the stack */
    if (P.has_key) {
      h.gre_flags = __builtin_bswap16(0x2000);
      h.extra[0] = P.key; h.extra[1] = P.label[0]; h.extra[2] = P.label[1]; h.extra[3] = P.label[2]; h.extra[4] = P.label[3];
      len += 4;
    } else {
      h.extra[0] = P.label[0]; h.extra[1] = P.label[1]; h.extra[2] = P.label[2]; h.extra[3] = P.label[3];
    }
    len += 4 * labels;
  }
  h.tot_len = __builtin_bswap16((__u16)(skb->len + len));
  /* the kernel fills in the IPv4 header checksum when it is left zero */
  if (bpf_lwt_push_encap(skb, BPF_LWT_ENCAP_IP, &h, len) != 0) return BPF_DROP;
  return BPF_LWT_REROUTE;
}
char _license[] SEC("license") = "GPL";
`;

const MULTIARCH: Readonly<Record<string, string>> = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu', arm: 'arm-linux-gnueabihf', riscv64: 'riscv64-linux-gnu' };

function runClang(clang: string, args: readonly string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(clang, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    const err: Buffer[] = [];
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new KernelBackendError(`cannot run ${clang}: ${e.message}`)));
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new KernelBackendError(`${clang} failed (${code}): ${Buffer.concat(err).toString('utf8').trim()}`)),
    );
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** The per-next-hop object files: written once per parameter set into `directory`. */
export class EncapObjects {
  private constructor(
    readonly directory: string,
    private readonly template: Buffer,
    private readonly paramsOffset: number,
  ) {}

  /** Compiles the template (cached in `directory` by source hash) with `clang`; needs libbpf-dev's headers. */
  static async build(directory: string, clang = 'clang'): Promise<EncapObjects> {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    const hash = createHash('sha256').update(ENCAP_SOURCE).digest('hex').slice(0, 12);
    const file = path.join(directory, `template-${hash}.o`);
    if (!existsSync(file)) {
      const include = MULTIARCH[process.arch];
      const tmp = `${file}.${process.pid}.tmp`;
      const args = ['-O2', '-g', '-target', 'bpf', ...(include ? ['-I', `/usr/include/${include}`] : []), '-x', 'c', '-c', '-', '-o', tmp];
      await runClang(clang, args, ENCAP_SOURCE);
      renameSync(tmp, file);
    }
    const template = readFileSync(file);
    const offset = template.indexOf(MAGIC);
    if (offset < 0 || template.indexOf(MAGIC, offset + 1) >= 0) {
      throw new KernelBackendError(`${file}: expected exactly one parameter block`);
    }
    return new EncapObjects(directory, template, offset);
  }

  /** The object file for `params`, written on first use; its name says what it does (it shows in `ip route`). */
  file(params: EncapParams): string {
    const file = path.join(this.directory, `${objectName(params)}.o`);
    if (!existsSync(file)) {
      const bytes = Buffer.from(this.template);
      writeParams(bytes, this.paramsOffset, params);
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, bytes);
      // rename is atomic: a concurrent `ip` never reads a half-written object.
      renameSync(tmp, file);
    }
    return file;
  }
}

export function objectName(p: EncapParams): string {
  switch (p.mode) {
    case MODE_REROUTE:
      return 'plain';
    case MODE_DROP:
      return 'drop';
    case MODE_GRE:
      return `gre-${formatIpv4(p.local)}-${formatIpv4(p.remote)}${p.key === null ? '' : `-k${p.key >>> 0}`}`;
    case MODE_IPIP:
      return `ipip-${formatIpv4(p.local)}-${formatIpv4(p.remote)}`;
    case MODE_MPLS_GRE:
      return `mpls-${formatIpv4(p.local)}-${formatIpv4(p.remote)}-${p.labels.join('.')}`;
    default: {
      const never: never = p;
      return never;
    }
  }
}

/** RFC 3032 §2.1 label stack entry: label (20 bits), TC 0, bottom-of-stack bit, TTL 64. */
export function labelStackEntry(label: number, bottom: boolean): number {
  return (((label & 0xfffff) << 12) | (bottom ? 0x100 : 0) | 64) >>> 0;
}

function writeParams(b: Buffer, at: number, p: EncapParams): void {
  const le = os.endianness() === 'LE';
  const host = (value: number, offset: number): number => (le ? b.writeUInt32LE(value, at + offset) : b.writeUInt32BE(value, at + offset));
  host(p.mode, 8);
  if (!('local' in p)) return;
  b.writeUInt32BE(p.local >>> 0, at + 12);
  b.writeUInt32BE(p.remote >>> 0, at + 16);
  if (p.mode === MODE_GRE && p.key !== null) {
    b.writeUInt32BE(p.key >>> 0, at + 20);
    host(1, 24);
  }
  if (p.mode === MODE_MPLS_GRE) {
    const labels = p.labels.slice(0, 4);
    host(labels.length, 28);
    labels.forEach((label, i) => b.writeUInt32BE(labelStackEntry(label, i === labels.length - 1), at + 32 + 4 * i));
  }
}
