/** Capabilities advertised in OPEN (RFC 5492), a discriminated union on `type`. */

export interface AfiSafi {
  readonly afi: number;
  readonly safi: number;
}

export interface GracefulRestartFamily extends AfiSafi {
  /** RFC 4724 §3: forwarding state preserved (F bit). */
  readonly forwardingPreserved: boolean;
}

export interface LlgrFamily extends AfiSafi {
  readonly forwardingPreserved: boolean;
  /** Long-lived stale time, seconds (24 bits). */
  readonly staleTime: number;
}

export type AddPathMode = 'receive' | 'send' | 'both';

export type Capability =
  | ({ readonly type: 'multiprotocol' } & AfiSafi)
  | { readonly type: 'route-refresh' }
  | { readonly type: 'extended-message' }
  | {
      readonly type: 'graceful-restart';
      /** R bit: the sender has restarted. */
      readonly restarting: boolean;
      /** N bit (RFC 8538): notification / hard-reset support. */
      readonly notification: boolean;
      /** Restart time, seconds (12 bits). */
      readonly restartTime: number;
      readonly families: readonly GracefulRestartFamily[];
    }
  | { readonly type: 'four-octet-as'; readonly asn: number }
  | { readonly type: 'add-path'; readonly families: readonly (AfiSafi & { readonly mode: AddPathMode })[] }
  | { readonly type: 'enhanced-route-refresh' }
  | { readonly type: 'long-lived-graceful-restart'; readonly families: readonly LlgrFamily[] }
  | { readonly type: 'fqdn'; readonly hostname: string; readonly domain: string }
  /** Extended next hop (RFC 8950): NLRI AFI/SAFI that may use a next hop of another AFI. */
  | { readonly type: 'extended-next-hop'; readonly families: readonly (AfiSafi & { readonly nextHopAfi: number })[] }
  /** Any other capability, byte-exact. */
  | { readonly type: 'unknown'; readonly code: number; readonly value: Uint8Array };

export type CapabilityType = Capability['type'];
