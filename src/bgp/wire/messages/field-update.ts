/**
 * An UPDATE as a session receives it (`CodecContext.ipv4FieldOnly`): its
 * NLRI field (IPv4 unicast, RFC 4271 §4.3) checked but kept as its octets.
 * The RIB walks them with `readIpv4Field`; `nlri` is made on first read for
 * anyone else. A clean attribute block (`cleanAttributes`, between NEW
 * speakers) is likewise kept as octets and decoded only if read. The octets
 * are views of the received message, which nothing writes to.
 */
import type { AttributeError } from '../errors';
import { UpdateSubcode } from '../errors';
import type { PathAttribute } from '../attributes/types';
import type { Nlri } from '../nlri/types';
import { decodeUnicastList } from '../nlri/unicast';
import type { UpdateMessage } from './types';
import type { CleanAttributes } from '../attributes/clean-block';
import type { CodecContext } from '../context';
import { decodeAttributeBlock } from '../attributes';

export class FieldUpdate implements UpdateMessage {
  readonly type = 'update';
  private list: readonly Nlri[] | undefined = undefined;
  private decoded: readonly PathAttribute[] | null;

  /**
   * `attributes` are given decoded, or null with `clean` and where the
   * attribute block they were checked from lies (`body[start, end)`, the
   * received message), decoded on first read: the RIB interns a clean block
   * without them.
   */
  constructor(
    readonly withdrawn: readonly Nlri[],
    attributes: readonly PathAttribute[] | null,
    readonly ipv4Field: Buffer,
    readonly errors: readonly AttributeError[],
    readonly cleanAttributes?: CleanAttributes,
    private readonly body?: Buffer,
    private readonly start = 0,
    private readonly end = 0,
    private readonly ctx?: CodecContext,
  ) {
    this.decoded = attributes;
  }

  get attributes(): readonly PathAttribute[] {
    if (this.decoded === null) {
      // The block was found clean when the message was decoded: this finds no error.
      this.decoded = this.body === undefined || this.ctx === undefined ? [] : decodeAttributeBlock(this.body, this.ctx, {}, this.start, this.end).attributes;
    }
    return this.decoded;
  }

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
 * a spread would drop `nlri`, which a FieldUpdate makes on read. The clean
 * block no longer describes them, so it is not kept.
 */
export function withAttributes(m: UpdateMessage, attributes: readonly PathAttribute[]): UpdateMessage {
  if (m instanceof FieldUpdate) return new FieldUpdate(m.withdrawn, attributes, m.ipv4Field, m.errors);
  return { ...m, attributes };
}
