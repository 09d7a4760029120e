/**
 * Protocol errors of the BGP codec. Every decode failure a peer can cause is a
 * BgpError carrying the NOTIFICATION it maps to (RFC 4271 §6), and for UPDATE
 * attribute problems the RFC 7606 action that applies.
 */

/** RFC 4271 §4.5 error codes (plus RFC 7313 code 7 and the send-hold-timer code 8). */
export const ErrorCode = {
  MessageHeader: 1,
  OpenMessage: 2,
  UpdateMessage: 3,
  HoldTimerExpired: 4,
  FiniteStateMachine: 5,
  Cease: 6,
  RouteRefreshMessage: 7,
  SendHoldTimerExpired: 8,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** RFC 4271 §6.1 Message Header Error subcodes. */
export const HeaderSubcode = { ConnectionNotSynchronized: 1, BadMessageLength: 2, BadMessageType: 3 } as const;

/** RFC 4271 §6.2, RFC 5492, RFC 9234 OPEN Message Error subcodes. */
export const OpenSubcode = {
  Unspecific: 0,
  UnsupportedVersionNumber: 1,
  BadPeerAs: 2,
  BadBgpIdentifier: 3,
  UnsupportedOptionalParameter: 4,
  UnacceptableHoldTime: 6,
  UnsupportedCapability: 7,
  RoleMismatch: 11,
} as const;

/** RFC 4271 §6.3 UPDATE Message Error subcodes. */
export const UpdateSubcode = {
  MalformedAttributeList: 1,
  UnrecognizedWellKnownAttribute: 2,
  MissingWellKnownAttribute: 3,
  AttributeFlagsError: 4,
  AttributeLengthError: 5,
  InvalidOriginAttribute: 6,
  InvalidNextHopAttribute: 8,
  OptionalAttributeError: 9,
  InvalidNetworkField: 10,
  MalformedAsPath: 11,
} as const;

/** RFC 6608 FSM error subcodes. */
export const FsmSubcode = {
  Unspecified: 0,
  UnexpectedInOpenSent: 1,
  UnexpectedInOpenConfirm: 2,
  UnexpectedInEstablished: 3,
} as const;

/** RFC 4486 / RFC 8538 / RFC 9384 Cease subcodes. */
export const CeaseSubcode = {
  MaximumPrefixesReached: 1,
  AdministrativeShutdown: 2,
  PeerDeconfigured: 3,
  AdministrativeReset: 4,
  ConnectionRejected: 5,
  OtherConfigurationChange: 6,
  ConnectionCollisionResolution: 7,
  OutOfResources: 8,
  HardReset: 9,
  BfdDown: 10,
} as const;

/** RFC 7313 §5 ROUTE-REFRESH Message Error subcodes. */
export const RouteRefreshSubcode = { InvalidMessageLength: 1 } as const;

/**
 * RFC 7606 §2 approaches, strongest first. `session-reset` is the RFC 4271
 * behaviour (send NOTIFICATION, close); `afi-safi-disable` is allowed for MP
 * NLRI errors; `treat-as-withdraw` handles every NLRI of the UPDATE as
 * withdrawn; `attribute-discard` drops the attribute and carries on.
 */
export type Rfc7606Action = 'session-reset' | 'afi-safi-disable' | 'treat-as-withdraw' | 'attribute-discard';

const ACTION_STRENGTH: Record<Rfc7606Action, number> = {
  'session-reset': 3,
  'afi-safi-disable': 2,
  'treat-as-withdraw': 1,
  'attribute-discard': 0,
};

/** RFC 7606 §3(h): when several errors occur, the strongest action applies. */
export function strongerAction(a: Rfc7606Action | null, b: Rfc7606Action | null): Rfc7606Action | null {
  if (a === null) return b;
  if (b === null) return a;
  return ACTION_STRENGTH[a] >= ACTION_STRENGTH[b] ? a : b;
}

/** A protocol error that maps to one NOTIFICATION. */
export class BgpError extends Error {
  readonly code: number;
  readonly subcode: number;
  readonly data: Buffer;
  /** For UPDATE attribute errors: the RFC 7606 action for this error. */
  readonly action: Rfc7606Action | undefined;

  constructor(code: number, subcode: number, message: string, data: Uint8Array = Buffer.alloc(0), action?: Rfc7606Action) {
    super(message);
    this.name = 'BgpError';
    this.code = code;
    this.subcode = subcode;
    this.data = Buffer.from(data);
    this.action = action;
  }
}

/** One problem found in an UPDATE's path attributes that did not reset the session (RFC 7606). */
export interface AttributeError {
  /** Attribute type code, or -1 when the problem is not tied to one attribute (e.g. a missing mandatory one is given its code). */
  readonly attributeType: number;
  readonly action: Rfc7606Action;
  /** The NOTIFICATION RFC 4271 would have sent; kept for logging and for a session-reset policy. */
  readonly code: number;
  readonly subcode: number;
  readonly reason: string;
}

export function isBgpError(e: unknown): e is BgpError {
  return e instanceof BgpError;
}

/**
 * A caller asked the encoder for something the wire cannot carry (a message
 * over the negotiated maximum, a field out of range). A programming or
 * configuration error on our side, never a NOTIFICATION case.
 */
export class EncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncodeError';
  }
}
