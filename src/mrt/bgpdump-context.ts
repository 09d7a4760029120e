/** Codec contexts for decoding MRT payloads the way bgpdump reads them, built once. */
import { familyKey, type CodecContext } from '../bgp/wire/context';

/** bgpdump's ADD-PATH subtypes carry path ids for every family it prints. */
const ADD_PATH_FAMILIES = [familyKey(1, 1), familyKey(1, 2), familyKey(1, 3), familyKey(2, 1), familyKey(2, 2), familyKey(2, 3)];

function context(fourOctetAs: boolean, addPath: boolean): CodecContext {
  // MRT records hold whatever the session carried: allow RFC 8654 extended messages.
  return { fourOctetAs, addPath: new Set(addPath ? ADD_PATH_FAMILIES : []), extendedMessage: true };
}

const CONTEXTS: readonly CodecContext[] = [context(false, false), context(false, true), context(true, false), context(true, true)];

export function ctxFor(fourOctetAs: boolean, addPath: boolean): CodecContext {
  return CONTEXTS[(fourOctetAs ? 2 : 0) + (addPath ? 1 : 0)] as CodecContext;
}
