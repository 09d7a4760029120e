/**
 * An UPDATE as a session receives it (`CodecContext.ipv4FieldOnly`): its
 * NLRI field (IPv4 unicast, RFC 4271 §4.3) checked but kept as its octets.
 * The RIB walks them with `readIpv4Field`; `nlri` is made on first read for
 * anyone else. The octets are a view of the received message, which nothing
 * writes to.
 */
import type { AttributeError } from '../errors';
import { UpdateSubcode } from '../errors';
import type { PathAttribute } from '../attributes/types';
import type { Nlri } from '../nlri/types';
import { decodeUnicastList } from '../nlri/unicast';
import type { UpdateMessage } from './types';

export class FieldUpdate implements UpdateMessage {
  readonly type = 'update';
  private list: readonly Nlri[] | undefined = undefined;

  constructor(
    readonly withdrawn: readonly Nlri[],
    readonly attributes: readonly PathAttribute[],
    readonly ipv4Field: Buffer,
    readonly errors: readonly AttributeError[],
  ) {}

  get nlri(): readonly Nlri[] {
    if (this.list === undefined) {
      const out: Nlri[] = [];
      // The field was checked when the message was decoded: this cannot throw.
      decodeUnicastList(1, 1, this.ipv4Field, false, UpdateSubcode.InvalidNetworkField, out);
      this.list = out;
    }
    return this.list;
  }
}

/**
 * The message with other attributes (RFC 6793 §4.2.3 AS4_PATH merged in):
 * a spread would drop `nlri`, which a FieldUpdate makes on read.
 */
export function withAttributes(m: UpdateMessage, attributes: readonly PathAttribute[]): UpdateMessage {
  if (m instanceof FieldUpdate) return new FieldUpdate(m.withdrawn, attributes, m.ipv4Field, m.errors);
  return { ...m, attributes };
}
