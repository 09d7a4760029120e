import * as wire from '../../../../src/bgp/wire';
import { hex } from '../../../helpers/bgp';

describe('public codec API (src/bgp/wire/index.ts)', () => {
  it('exposes the message codec, framer and helpers', () => {
    const v1 = hex('ffffffffffffffffffffffffffffffff 0013 04');
    expect(wire.decodeMessage(v1, wire.DEFAULT_CONTEXT)).toEqual({ type: 'keepalive' });
    expect(new wire.MessageFramer().push(v1).length).toBe(1);
    expect(wire.notificationName(6, 2)).toBe('Cease/Administrative Shutdown');
    expect(typeof wire.decodeUpdateBody).toBe('function');
    expect(typeof wire.decodeOpenBody).toBe('function');
  });
});
