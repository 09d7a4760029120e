/**
 * What a VRF is made of (RFC 4364 §3-4): a name, a route distinguisher,
 * import and export route targets, policies and a label mode, and the role it
 * plays in a half-duplex pair (RFC 7024 V-spoke) or as a hub. The daemon
 * builds these from its config; nothing here knows about YAML.
 */
import type { PolicyChain } from '../bgp/policy/types';
import type { AttributeSet } from '../bgp/rib/attribute-set';
import type { Route } from '../bgp/rib/route';
import type { LargeCommunity } from '../bgp/wire/values/large-community';
import type { RouteTargetLike } from '../bgp/wire/values/ext-community';
import type { Prefix } from '../bgp/wire/values/prefix';
import type { RouteDistinguisher } from '../bgp/wire/values/rd';
import type { HubRuleDefinition } from './hub-rules';

/** `vrf`: a plain VRF; `upstream`/`downstream`: one half of a half-duplex pair. */
export type VrfRole = 'vrf' | 'upstream' | 'downstream';

export type LabelMode = 'per-vrf' | 'per-prefix';

/** The hub role (RFC 7024 §3 V-hub): announce these prefixes with the export (hub) route targets. */
export interface HubDefinition {
  readonly announce: readonly Prefix[];
  readonly rules: readonly HubRuleDefinition[];
}

export interface VrfDefinition {
  readonly name: string;
  readonly rd: RouteDistinguisher;
  readonly import: readonly RouteTargetLike[];
  readonly export: readonly RouteTargetLike[];
  readonly labelMode: LabelMode;
  readonly role: VrfRole;
  /** The pair a half belongs to; null for a plain VRF. */
  readonly pair: string | null;
  /** Applied to VPN routes before they enter the table; undefined: accept all. */
  readonly importPolicy?: PolicyChain;
  /** Applied to the VRF's own routes before they become VPN routes; undefined: accept all. */
  readonly exportPolicy?: PolicyChain;
  readonly hub?: HubDefinition;
}

/** Where a VRF's own route comes from. */
export type LocalKind = 'static' | 'connected' | 'client' | 'hub';

/** A route of the VRF itself: exported as a VPN route (RFC 4364 §4.3.2). */
export interface LocalRoute {
  readonly kind: LocalKind;
  readonly prefix: Prefix;
  /** The next hop inside the VRF (the client or CE); null: this node (a hub announcement, a connected client). */
  readonly nextHop: string | null;
  readonly communities: readonly number[];
  readonly largeCommunities: readonly LargeCommunity[];
  readonly med: number | null;
  readonly localPref: number | null;
}

/**
 * One route in a VRF table: what the FIB needs to forward toward it. An
 * imported route keeps the RD, labels and next hop of the VPN route it came
 * from (RFC 4364 §5: the label is pushed, the next hop is the egress PE).
 */
export interface VrfEntry {
  readonly prefix: Prefix;
  readonly origin: 'local' | 'imported';
  /** Local: the next hop inside the VRF (null: this node); imported: the egress PE. */
  readonly nextHop: string | null;
  /** The RD of the VPN route: ours for a local route, the source's for an imported one. */
  readonly rd: RouteDistinguisher;
  /** Local: the label we advertise for it (null before export); imported: the labels to push. */
  readonly labels: readonly number[];
  /** Imported: the VPN route's attributes (after the import policy); local: the exported ones, once exported. */
  readonly attributes: AttributeSet | null;
  /** Imported: the Loc-RIB path it came from; its source says which peer (or 'local' for a leak between VRFs). */
  readonly route: Route | null;
  /** Imported: the Loc-RIB destination key of that path (family|RD|prefix). */
  readonly sourceKey: string | null;
  /** Imported from another VRF of this node (route leaking): its name. */
  readonly fromVrf: string | null;
  /** Local only: the static, client or hub route behind it. */
  readonly local: LocalRoute | null;
}
