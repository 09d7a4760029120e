/**
 * JSON views of decoded messages for the CLI (`hdvpn decode -j`, `hdvpn mrt`)
 * and logs. Keys are kebab-case like the rest of the operator interface; every
 * value uses the one text form defined in values/.
 */
import type { PathAttribute, TunnelSubTlv } from './attributes/types';
import type { Capability } from './capabilities/types';
import type { BgpMessage } from './messages/types';
import type { Nlri } from './nlri/types';
import { formatAsPath } from './values/as-path';
import { communityName, formatCommunity } from './values/community';
import { formatExtCommunity, tunnelTypeName } from './values/ext-community';
import { formatLargeCommunity } from './values/large-community';
import { formatPrefix } from './values/prefix';
import { formatRd } from './values/rd';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

export function nlriToJson(n: Nlri): Json {
  switch (n.kind) {
    case 'unicast':
      return n.pathId === undefined ? { prefix: formatPrefix(n.prefix) } : { prefix: formatPrefix(n.prefix), 'path-id': n.pathId };
    case 'labeled': {
      const o: { [k: string]: Json } = { prefix: formatPrefix(n.prefix), labels: [...n.labels] };
      if (n.pathId !== undefined) o['path-id'] = n.pathId;
      return o;
    }
    case 'vpn': {
      const o: { [k: string]: Json } = { rd: formatRd(n.rd), prefix: formatPrefix(n.prefix), labels: [...n.labels] };
      if (n.pathId !== undefined) o['path-id'] = n.pathId;
      return o;
    }
    case 'opaque':
      return { afi: n.afi, safi: n.safi, raw: hex(n.bytes) };
    default: {
      const never: never = n;
      return String(never);
    }
  }
}

function subTlvToJson(s: TunnelSubTlv): Json {
  switch (s.type) {
    case 'encapsulation':
      return s.key === undefined ? { type: s.type, ...(s.raw ? { raw: hex(s.raw) } : {}) } : { type: s.type, key: s.key };
    case 'protocol':
      return { type: s.type, protocol: `0x${s.protocol.toString(16).padStart(4, '0')}` };
    case 'color':
      return { type: s.type, color: s.color };
    case 'egress-endpoint':
      return { type: s.type, address: s.address };
    case 'ds-field':
      return { type: s.type, ds: s.ds };
    case 'udp-port':
      return { type: s.type, port: s.port };
    case 'unknown':
      return { type: s.type, code: s.code, value: hex(s.value) };
    default: {
      const never: never = s;
      return String(never);
    }
  }
}

export function attributeToJson(a: PathAttribute): Json {
  switch (a.type) {
    case 'origin':
      return { type: a.type, origin: (['igp', 'egp', 'incomplete'] as const)[a.origin] };
    case 'as-path':
    case 'as4-path':
      return { type: a.type, 'as-path': formatAsPath(a.segments), segments: a.segments.map((s) => ({ kind: s.kind, asns: [...s.asns] })) };
    case 'next-hop':
      return { type: a.type, 'next-hop': a.nextHop };
    case 'med':
      return { type: a.type, med: a.med };
    case 'local-pref':
      return { type: a.type, 'local-pref': a.localPref };
    case 'atomic-aggregate':
      return { type: a.type };
    case 'aggregator':
    case 'as4-aggregator':
      return { type: a.type, asn: a.asn, address: a.address };
    case 'communities':
      return { type: a.type, communities: a.communities.map((c) => communityName(c) ?? formatCommunity(c)) };
    case 'originator-id':
      return { type: a.type, 'originator-id': a.originatorId };
    case 'cluster-list':
      return { type: a.type, 'cluster-list': [...a.clusterIds] };
    case 'mp-reach': {
      const nh: { [k: string]: Json } = { address: a.nextHop.address };
      if (a.nextHop.linkLocal !== undefined) nh['link-local'] = a.nextHop.linkLocal;
      if (a.nextHop.rd !== undefined) nh.rd = formatRd(a.nextHop.rd);
      return { type: a.type, afi: a.afi, safi: a.safi, 'next-hop': nh, nlri: a.nlri.map(nlriToJson) };
    }
    case 'mp-unreach':
      return { type: a.type, afi: a.afi, safi: a.safi, nlri: a.nlri.map(nlriToJson) };
    case 'extended-communities':
      return { type: a.type, 'extended-communities': a.communities.map(formatExtCommunity) };
    case 'large-communities':
      return { type: a.type, 'large-communities': a.communities.map(formatLargeCommunity) };
    case 'tunnel-encapsulation':
      return {
        type: a.type,
        tunnels: a.tunnels.map((t) => ({ 'tunnel-type': tunnelTypeName(t.tunnelType), 'sub-tlvs': t.subTlvs.map(subTlvToJson) })),
      };
    case 'unknown':
      return { type: a.type, code: a.code, flags: a.flags, value: hex(a.value) };
    default: {
      const never: never = a;
      return String(never);
    }
  }
}

export function capabilityToJson(c: Capability): Json {
  switch (c.type) {
    case 'multiprotocol':
      return { type: c.type, afi: c.afi, safi: c.safi };
    case 'route-refresh':
    case 'extended-message':
    case 'enhanced-route-refresh':
      return { type: c.type };
    case 'graceful-restart':
      return {
        type: c.type,
        restarting: c.restarting,
        notification: c.notification,
        'restart-time': c.restartTime,
        families: c.families.map((f) => ({ afi: f.afi, safi: f.safi, 'forwarding-preserved': f.forwardingPreserved })),
      };
    case 'four-octet-as':
      return { type: c.type, asn: c.asn };
    case 'add-path':
      return { type: c.type, families: c.families.map((f) => ({ afi: f.afi, safi: f.safi, mode: f.mode })) };
    case 'long-lived-graceful-restart':
      return {
        type: c.type,
        families: c.families.map((f) => ({ afi: f.afi, safi: f.safi, 'forwarding-preserved': f.forwardingPreserved, 'stale-time': f.staleTime })),
      };
    case 'fqdn':
      return { type: c.type, hostname: c.hostname, domain: c.domain };
    case 'extended-next-hop':
      return { type: c.type, families: c.families.map((f) => ({ afi: f.afi, safi: f.safi, 'next-hop-afi': f.nextHopAfi })) };
    case 'unknown':
      return { type: c.type, code: c.code, value: hex(c.value) };
    default: {
      const never: never = c;
      return String(never);
    }
  }
}

export function messageToJson(m: BgpMessage): Json {
  switch (m.type) {
    case 'open':
      return {
        type: m.type,
        version: m.version,
        'my-as': m.myAs,
        'hold-time': m.holdTime,
        'bgp-id': m.bgpId,
        capabilities: m.capabilities.map(capabilityToJson),
        ...(m.otherParameters?.length ? { 'other-parameters': m.otherParameters.map((p) => ({ type: p.type, value: hex(p.value) })) } : {}),
      };
    case 'update':
      return {
        type: m.type,
        withdrawn: m.withdrawn.map(nlriToJson),
        attributes: m.attributes.map(attributeToJson),
        nlri: m.nlri.map(nlriToJson),
        errors: m.errors.map((e) => ({ 'attribute-type': e.attributeType, action: e.action, code: e.code, subcode: e.subcode, reason: e.reason })),
      };
    case 'notification':
      return {
        type: m.type,
        code: m.code,
        subcode: m.subcode,
        data: hex(m.data),
        ...(m.shutdownMessage !== undefined ? { 'shutdown-message': m.shutdownMessage } : {}),
      };
    case 'keepalive':
      return { type: m.type };
    case 'route-refresh':
      return { type: m.type, afi: m.afi, safi: m.safi, subtype: m.subtype, ...(m.orf ? { orf: hex(m.orf) } : {}) };
    default: {
      const never: never = m;
      return String(never);
    }
  }
}
