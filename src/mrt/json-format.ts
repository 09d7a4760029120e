/**
 * `hdvpn mrt FILE` JSON output: one object per line, one per RIB entry, BGP4MP
 * message, state change, peer index table or damaged record. Attributes and
 * messages use the same JSON forms as `hdvpn decode` (bgp/wire/json.ts).
 */
import { decodeAttributeList } from '../bgp/wire/attributes';
import { familyKey, type CodecContext } from '../bgp/wire/context';
import { isBgpError } from '../bgp/wire/errors';
import { attributeToJson, messageToJson, type Json } from '../bgp/wire/json';
import { decodeMessage } from '../bgp/wire/message';
import type { Bgp4mpMessageRecord, MrtHeader, MrtItem, MrtRecord, PeerEntry, RibEntry } from '../bgp/wire/mrt';
import { decodeNlriList } from '../bgp/wire/nlri';
import { nlriToJson } from '../bgp/wire/json';
import { formatPrefix } from '../bgp/wire/values/prefix';
import type { TextSink } from './text-sink';

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

function ctx(fourOctetAs: boolean, addPath: boolean, families: readonly string[]): CodecContext {
  return { fourOctetAs, addPath: new Set(addPath ? families : []), extendedMessage: true };
}

function headerJson(h: MrtHeader): { [k: string]: Json } {
  const o: { [k: string]: Json } = { timestamp: h.timestamp };
  if (h.microseconds !== undefined) o.microseconds = h.microseconds;
  return o;
}

function errorText(e: unknown): string {
  if (isBgpError(e)) return `${e.message} (NOTIFICATION ${e.code}/${e.subcode})`;
  throw e;
}

/** Formats records as JSON lines; keeps the last PEER_INDEX_TABLE to name the peers of RIB entries. */
export class JsonFormatter {
  private peers: readonly PeerEntry[] = [];

  format(item: MrtItem, out: TextSink): void {
    if (item.kind === 'error') {
      const e = item.error;
      out.text(`${JSON.stringify({ type: 'error', reason: e.reason, offset: e.offset, message: e.message })}\n`);
      return;
    }
    for (const o of this.records(item.record)) out.text(`${JSON.stringify(o)}\n`);
  }

  private records(r: MrtRecord): Json[] {
    switch (r.kind) {
      case 'peer-index-table':
        this.peers = r.peers;
        return [{ type: r.kind, ...headerJson(r.header), 'collector-bgp-id': r.collectorBgpId, 'view-name': r.viewName, peers: r.peers.map((p) => ({ address: p.address, asn: p.asn, 'bgp-id': p.bgpId })) }];
      case 'rib':
        return r.entries.map((e) => this.ribEntry(r.header, { prefix: formatPrefix(r.prefix), afi: r.afi, safi: r.safi }, e, { afi: r.afi, safi: r.safi }));
      case 'rib-generic': {
        const fam = { afi: r.afi, safi: r.safi };
        let nlri: Json;
        try {
          nlri = decodeNlriList(r.afi, r.safi, r.nlri, ctx(true, r.addPath, [familyKey(r.afi, r.safi)]), false).map(nlriToJson);
        } catch (e) {
          nlri = { error: errorText(e), raw: hex(r.nlri) };
        }
        return r.entries.map((e) => this.ribEntry(r.header, { nlri, ...fam }, e, fam));
      }
      case 'table-dump':
        return [{ type: r.kind, ...headerJson(r.header), prefix: formatPrefix(r.prefix), peer: { address: r.peerAddress, asn: r.peerAs }, 'originated-time': r.originatedTime, status: r.status, ...attributesJson(r.attributes, false, undefined) }];
      case 'bgp4mp-state-change':
        return [{ type: r.kind, ...headerJson(r.header), peer: { address: r.peerAddress, asn: r.peerAs }, local: { address: r.localAddress, asn: r.localAs }, 'old-state': r.oldState, 'new-state': r.newState }];
      case 'bgp4mp-message':
        return [messageJson(r)];
      case 'unsupported':
        return [{ type: r.kind, ...headerJson(r.header), 'mrt-type': r.header.type, 'mrt-subtype': r.header.subtype, length: r.body.length }];
      default: {
        const never: never = r;
        return never;
      }
    }
  }

  private ribEntry(h: MrtHeader, route: { [k: string]: Json }, e: RibEntry, mrtRib: { afi: number; safi: number }): Json {
    const p = this.peers[e.peerIndex];
    const peer: Json = p ? { index: e.peerIndex, address: p.address, asn: p.asn, 'bgp-id': p.bgpId } : { index: e.peerIndex };
    const o: { [k: string]: Json } = { type: 'rib-entry', ...headerJson(h), ...route, peer, 'originated-time': e.originatedTime };
    if (e.pathId !== undefined) o['path-id'] = e.pathId;
    return { ...o, ...attributesJson(e.attributes, true, mrtRib) };
  }
}

function attributesJson(bytes: Buffer, fourOctetAs: boolean, mrtRib: { afi: number; safi: number } | undefined): { [k: string]: Json } {
  try {
    const d = decodeAttributeList(bytes, ctx(fourOctetAs, false, []), mrtRib ? { mrtRib } : undefined);
    const o: { [k: string]: Json } = { attributes: d.attributes.map(attributeToJson) };
    if (d.errors.length) o.errors = d.errors.map((x) => ({ 'attribute-type': x.attributeType, action: x.action, reason: x.reason }));
    return o;
  } catch (e) {
    return { error: errorText(e), raw: hex(bytes) };
  }
}

const ALL_FAMILIES = ['1/1', '1/2', '1/4', '1/128', '2/1', '2/2', '2/4', '2/128'];

function messageJson(r: Bgp4mpMessageRecord): Json {
  const o: { [k: string]: Json } = {
    type: r.kind,
    ...headerJson(r.header),
    direction: r.local ? 'sent' : 'received',
    peer: { address: r.peerAddress, asn: r.peerAs },
    local: { address: r.localAddress, asn: r.localAs },
  };
  if (r.addPath) o['add-path'] = true;
  try {
    o.message = messageToJson(decodeMessage(r.message, ctx(r.as4, r.addPath, ALL_FAMILIES)));
  } catch (e) {
    o.error = errorText(e);
    o.raw = hex(r.message);
  }
  return o;
}
