/** Record dispatch: a framed record to its typed form, or the MrtError that replaces it. */
import { isBgpError } from '../errors';
import { Bgp4mpSubtype, MrtType, TableDumpV2Subtype } from './constants';
import { decodeMessage, decodeStateChange, messageVariant } from './bgp4mp';
import { MrtFramer, type MrtFrame } from './header';
import { decodeTableDump } from './table-dump';
import { decodePeerIndexTable, decodeRib, decodeRibGeneric, isRibSubtype } from './table-dump-v2';
import { MrtError, type MrtHeader, type MrtItem, type MrtRecord } from './types';

function decodeTableDumpV2(header: MrtHeader, body: Buffer): MrtRecord {
  if (header.subtype === TableDumpV2Subtype.PeerIndexTable) return decodePeerIndexTable(header, body);
  if (isRibSubtype(header.subtype)) return decodeRib(header, body);
  if (header.subtype === TableDumpV2Subtype.RibGeneric || header.subtype === TableDumpV2Subtype.RibGenericAddPath) {
    return decodeRibGeneric(header, body);
  }
  return { kind: 'unsupported', header, body };
}

function decodeBgp4mp(header: MrtHeader, body: Buffer): MrtRecord {
  if (header.subtype === Bgp4mpSubtype.StateChange || header.subtype === Bgp4mpSubtype.StateChangeAs4) {
    return decodeStateChange(header, body);
  }
  if (messageVariant(header.subtype) !== undefined) return decodeMessage(header, body);
  return { kind: 'unsupported', header, body };
}

/**
 * Decodes one record body. Throws MrtError('malformed-record') when the body
 * contradicts its own fields; unknown types and subtypes are 'unsupported', not errors.
 */
export function decodeMrtRecord(header: MrtHeader, body: Buffer, offset = 0): MrtRecord {
  try {
    switch (header.type) {
      case MrtType.TableDumpV2:
        return decodeTableDumpV2(header, body);
      case MrtType.Bgp4mp:
      case MrtType.Bgp4mpEt:
        return decodeBgp4mp(header, body);
      case MrtType.TableDump:
        return decodeTableDump(header, body);
      default:
        return { kind: 'unsupported', header, body };
    }
  } catch (e) {
    if (isBgpError(e)) throw new MrtError('malformed-record', `type ${header.type}/${header.subtype} at offset ${offset}: ${e.message}`, offset, header);
    throw e;
  }
}

/** A framed record decoded, with a malformed body turned into an error item. */
export function decodeFrame(frame: MrtFrame): MrtItem {
  try {
    return { kind: 'record', record: decodeMrtRecord(frame.header, frame.body, frame.offset), offset: frame.offset };
  } catch (e) {
    if (e instanceof MrtError) return { kind: 'error', error: e };
    throw e;
  }
}

/** Every record of an in-memory MRT dump, in order; a truncated tail ends it with an error item. */
export function* readMrtBuffer(buf: Buffer): Generator<MrtItem> {
  const framer = new MrtFramer();
  framer.push(buf);
  for (let frame = framer.next(); frame !== null; frame = framer.next()) yield decodeFrame(frame);
  const tail = framer.finish();
  if (tail !== null) yield { kind: 'error', error: tail };
}
