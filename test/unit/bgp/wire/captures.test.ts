/**
 * Real captures (test/fixtures/pcap, see PROVENANCE.md): every non-UPDATE
 * message decodes to what tcpdump's reference output (.out upstream) shows,
 * and encodes back to the captured octets where our encoding is canonical.
 */
import { join } from 'node:path';
import type { CodecContext } from '../../../../src/bgp/wire/context';
import { DEFAULT_CONTEXT, withContext } from '../../../../src/bgp/wire/context';
import { MessageFramer } from '../../../../src/bgp/wire/framer';
import { decodeMessage, encodeMessage } from '../../../../src/bgp/wire/message';
import type { BgpMessage } from '../../../../src/bgp/wire/messages/types';
import { expectBgpError } from '../../../helpers/bgp';
import { readBgpMessages, readCapture, readTcpSegments, tcpStreams } from '../../../helpers/pcap';

const fixture = (name: string): string => join(__dirname, '../../../fixtures/pcap', name);

/** Messages of a capture other than UPDATE (whose bodies other tests cover), with their raw octets. */
function decodeAll(name: string, ctx: CodecContext = DEFAULT_CONTEXT): { raw: Buffer; msg: BgpMessage }[] {
  return readBgpMessages(fixture(name))
    .filter(({ message }) => message[18] !== 2)
    .map(({ message }) => ({ raw: message, msg: decodeMessage(message, ctx) }));
}

function only(name: string): { raw: Buffer; msg: BgpMessage } {
  const all = decodeAll(name);
  expect(all.length).toBe(1);
  return all[0] as { raw: Buffer; msg: BgpMessage };
}

describe('OPEN messages in captures', () => {
  it('ryu bgp4-open: one capability per parameter, Cisco route refresh kept as unknown', () => {
    const { raw, msg } = only('bgp4-open.pcap');
    expect(msg).toEqual({
      type: 'open',
      version: 4,
      myAs: 65534,
      holdTime: 180,
      bgpId: '172.17.80.53',
      capabilities: [
        { type: 'multiprotocol', afi: 1, safi: 1 },
        { type: 'unknown', code: 128, value: Buffer.alloc(0) },
        { type: 'route-refresh' },
        { type: 'four-octet-as', asn: 65534 },
      ],
    });
    expect(raw.length).toBe(53);
  });

  it('FRR OPEN in the RFC 9072 extended format (tcpdump bgp-extended-optional-parameters-length)', () => {
    const { raw, msg } = only('bgp-extended-optional-parameters-length.pcapng');
    expect(raw.length).toBe(140);
    if (msg.type !== 'open') throw new Error('not an OPEN');
    expect(msg.extendedParameters).toBe(true);
    expect([msg.myAs, msg.holdTime, msg.bgpId]).toEqual([174, 180, '6.6.6.6']);
    expect(msg.capabilities).toEqual([
      { type: 'multiprotocol', afi: 1, safi: 1 },
      { type: 'multiprotocol', afi: 2, safi: 1 },
      { type: 'unknown', code: 128, value: Buffer.alloc(0) },
      { type: 'route-refresh' },
      { type: 'enhanced-route-refresh' },
      { type: 'four-octet-as', asn: 174 },
      { type: 'extended-message' },
      { type: 'add-path', families: [{ afi: 1, safi: 1, mode: 'receive' }, { afi: 2, safi: 1, mode: 'receive' }] },
      { type: 'fqdn', hostname: 'exit1-debian-11', domain: '' },
      { type: 'graceful-restart', restarting: false, notification: false, restartTime: 120, families: [] },
      {
        type: 'long-lived-graceful-restart',
        families: [
          { afi: 1, safi: 1, forwardingPreserved: true, staleTime: 360 },
          { afi: 2, safi: 1, forwardingPreserved: true, staleTime: 360 },
        ],
      },
    ]);
    // Re-encoded with all capabilities in one parameter: same content, fewer octets.
    expect(decodeMessage(encodeMessage(msg, DEFAULT_CONTEXT), DEFAULT_CONTEXT)).toEqual(msg);
  });

  it('FRR OPEN with extended message, ADD-PATH and FQDN (tcpdump bgp-extended-msg)', () => {
    const opens = decodeAll('bgp-extended-msg.pcapng').filter(({ msg }) => msg.type === 'open');
    expect(opens.length).toBeGreaterThanOrEqual(1);
    const first = opens[0]?.msg;
    if (first?.type !== 'open') throw new Error('not an OPEN');
    expect([first.myAs, first.holdTime, first.bgpId]).toEqual([65001, 180, '192.168.10.68']);
    expect(first.capabilities).toContainEqual({ type: 'extended-message' });
    expect(first.capabilities).toContainEqual({ type: 'add-path', families: [{ afi: 1, safi: 1, mode: 'receive' }] });
    expect(first.capabilities).toContainEqual({ type: 'fqdn', hostname: 'exit1-debian-9', domain: '' });
  });

  it('Juniper OPEN with GR N bit and an empty LLGR capability (tcpdump bgp-evpn)', () => {
    const { msg } = only('bgp-evpn.pcap');
    if (msg.type !== 'open') throw new Error('not an OPEN');
    expect([msg.myAs, msg.holdTime, msg.bgpId]).toEqual([65000, 90, '2.2.2.2']);
    expect(msg.capabilities).toEqual([
      { type: 'multiprotocol', afi: 1, safi: 128 },
      { type: 'multiprotocol', afi: 25, safi: 70 },
      { type: 'unknown', code: 128, value: Buffer.alloc(0) },
      { type: 'route-refresh' },
      { type: 'graceful-restart', restarting: false, notification: true, restartTime: 120, families: [] },
      { type: 'four-octet-as', asn: 65000 },
      { type: 'long-lived-graceful-restart', families: [] },
    ]);
  });

  it('a fuzzed OPEN with version 255 is 2/1, not an over-read (tcpdump CVE corpus)', () => {
    // The fuzzed TCP payload does not start on a message; tcpdump finds the OPEN by its marker, so do we.
    const [packet] = readCapture(fixture('bgp-bgp_capabilities_print-oobr-1.pcap'));
    if (!packet) throw new Error('no packet');
    const start = packet.data.indexOf(Buffer.from('ffffffffffffffffffffffffffffffff003b01', 'hex'));
    expect(start).toBeGreaterThan(0);
    const open = packet.data.subarray(start, start + 0x3b);
    expect(open.length).toBe(0x3b);
    expectBgpError(() => decodeMessage(open, DEFAULT_CONTEXT), 2, 1, '0004');
    // With the version repaired, the mangled parameters are still refused cleanly: Opt Parm Len 29
    // leaves one octet of the 59-octet message unaccounted for, 2/0 (RFC 4271 §6.2).
    const repaired = Buffer.from(open);
    repaired[19] = 4;
    expectBgpError(() => decodeMessage(repaired, DEFAULT_CONTEXT), 2, 0);
  });
});

describe('NOTIFICATION messages in captures', () => {
  it('shutdown communication variations (tcpdump bgp-shutdown-msg-variations)', () => {
    const all = decodeAll('bgp-shutdown-msg-variations.pcap').map(({ msg }) => msg);
    expect(all.length).toBe(3);
    // 1: "0123456789" followed by 9 octets of extra data, kept raw.
    expect(all[0]).toMatchObject({ type: 'notification', code: 6, subcode: 4, shutdownMessage: '0123456789' });
    expect(all[0]?.type === 'notification' && Buffer.from(all[0].data).subarray(11).toString()).toBe('ExtraData');
    // 2: empty communication.
    expect(all[1]).toMatchObject({ type: 'notification', code: 6, subcode: 4, shutdownMessage: '' });
    // 3: length 64 overruns the 10 octets that follow: no message, raw data kept.
    expect(all[2]).toMatchObject({ type: 'notification', code: 6, subcode: 4 });
    expect(all[2] && 'shutdownMessage' in all[2]).toBe(false);
    expect(all[2]?.type === 'notification' && Buffer.from(all[2].data).toString('hex')).toBe('4030313233343536373839');
  });

  it('Cease/BFD Down (tcpdump bgp-bfd-cease) decodes and re-encodes byte for byte', () => {
    const { raw, msg } = only('bgp-bfd-cease.pcap');
    expect(msg).toEqual({ type: 'notification', code: 6, subcode: 10, data: Buffer.alloc(0) });
    expect(encodeMessage(msg, DEFAULT_CONTEXT).equals(raw)).toBe(true);
  });
});

describe('ROUTE-REFRESH in captures', () => {
  it('normal request and BoRR/EoRR (tcpdump bgp-enhanced-route-refresh-subtype)', () => {
    const refreshes = decodeAll('bgp-enhanced-route-refresh-subtype.pcapng').filter(({ msg }) => msg.type === 'route-refresh');
    const subtypes = refreshes.map(({ msg }) => (msg.type === 'route-refresh' ? `${msg.afi}/${msg.safi}/${msg.subtype}` : ''));
    expect(subtypes).toEqual(expect.arrayContaining(['1/1/request', '1/1/borr', '1/1/eorr']));
    for (const { raw, msg } of refreshes) expect(encodeMessage(msg, DEFAULT_CONTEXT).equals(raw)).toBe(true);
  });
});

describe('framing a whole captured stream', () => {
  it('the framer cuts each direction of a session into the same messages, byte by byte', () => {
    const ctx = withContext({ extendedMessage: false });
    for (const [, stream] of tcpStreams(readTcpSegments(fixture('bgp-enhanced-route-refresh-subtype.pcapng')))) {
      const framer = new MessageFramer(ctx);
      const out: Buffer[] = [];
      for (let i = 0; i < stream.length; i++) out.push(...framer.push(stream.subarray(i, i + 1)));
      expect(Buffer.concat(out).equals(stream)).toBe(true);
      expect(framer.bufferedLength).toBe(0);
    }
  });
});
