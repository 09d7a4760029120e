import {
  decodePacket,
  decodeResponse,
  encodeAccessRequest,
  encodeAccountingRequest,
  encodePacket,
  encodeResponse,
  hidePassword,
  RadiusAttribute,
  RadiusCode,
  responseAuthenticator,
  revealPassword,
  verifyAccountingRequest,
} from '../../../../src/sessions/radius/packet';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 2865 §7.1: NAS 192.168.1.16 authenticates "nemo" (password "arctangent") on port 3, shared secret "xyzzy5461".
const SECRET = Buffer.from('xyzzy5461');
const RFC_REQUEST = hex(`
  01 00 00 38 0f 40 3f 94 73 97 80 57 bd 83 d5 cb
  98 f4 22 7a
  01 06 6e 65 6d 6f
  02 12 0d be 70 8d 93 d4 13 ce 31 96 e4 3f 78 2a 0a ee
  04 06 c0 a8 01 10
  05 06 00 00 00 03`);
const RFC_ACCEPT = hex(`
  02 00 00 26 86 fe 22 0e 76 24 ba 2a 10 05 f6 bf
  9b 55 e0 b2
  06 06 00 00 00 01
  0f 06 00 00 00 00
  0e 06 c0 a8 01 03`);

describe('RADIUS packet codec', () => {
  it('decodes the RFC 2865 §7.1 Access-Request: header, attributes, and the hidden password', () => {
    const p = decodePacket(RFC_REQUEST);
    expect(p.code).toBe(RadiusCode.accessRequest);
    expect(p.identifier).toBe(0);
    expect(p.attributes.map((a) => a.type)).toEqual([1, 2, 4, 5]);
    expect(p.attributes[0]?.value.toString()).toBe('nemo');
    const hidden = p.attributes[1]?.value ?? Buffer.alloc(0);
    expect(revealPassword(hidden, SECRET, p.authenticator).toString()).toBe('arctangent');
    expect(hidePassword(Buffer.from('arctangent'), SECRET, p.authenticator)).toEqual(hidden);
    expect(encodePacket(p)).toEqual(RFC_REQUEST);
  });

  it('verifies the RFC 2865 §7.1 Access-Accept Response Authenticator, and refuses it under another secret', () => {
    const requestAuthenticator = RFC_REQUEST.subarray(4, 20);
    const p = decodeResponse(RFC_ACCEPT, requestAuthenticator, SECRET);
    expect(p.code).toBe(RadiusCode.accessAccept);
    expect(p.attributes.map((a) => a.type)).toEqual([6, 15, 14]);
    expect(() => decodeResponse(RFC_ACCEPT, requestAuthenticator, Buffer.from('wrong'))).toThrow(/Response Authenticator/);
    expect(encodeResponse(RadiusCode.accessAccept, 0, p.attributes, requestAuthenticator, SECRET)).toEqual(RFC_ACCEPT);
  });

  it('adds a Message-Authenticator to an Access-Request and checks the one of a response (RFC 3579 §3.2)', () => {
    const secret = Buffer.from('s3cret');
    const authenticator = Buffer.alloc(16, 7);
    const req = encodeAccessRequest(9, [{ type: RadiusAttribute.userName, value: Buffer.from('alice') }], secret, authenticator);
    const decoded = decodePacket(req);
    expect(decoded.attributes.map((a) => a.type)).toEqual([RadiusAttribute.userName, RadiusAttribute.messageAuthenticator]);
    expect(decoded.attributes[1]?.value.equals(Buffer.alloc(16))).toBe(false);
    const answer = encodeResponse(RadiusCode.accessReject, 9, [{ type: RadiusAttribute.messageAuthenticator, value: Buffer.alloc(16) }], authenticator, secret);
    expect(decodeResponse(answer, authenticator, secret).code).toBe(RadiusCode.accessReject);
    // Corrupt the Message-Authenticator but keep the Response Authenticator right: still refused.
    const bad = Buffer.from(answer);
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1;
    responseAuthenticator(bad, authenticator, secret).copy(bad, 4);
    expect(() => decodeResponse(bad, authenticator, secret)).toThrow(/Message-Authenticator does not match/);
  });

  it('computes the Accounting-Request authenticator of RFC 2866 §3', () => {
    const secret = Buffer.from('acct');
    const req = encodeAccountingRequest(3, [{ type: RadiusAttribute.acctStatusType, value: hex('00000001') }], secret);
    expect(verifyAccountingRequest(req, secret)).toBe(true);
    expect(verifyAccountingRequest(req, Buffer.from('other'))).toBe(false);
  });

  it('refuses truncated packets and attributes with a bad length', () => {
    expect(() => decodePacket(RFC_ACCEPT.subarray(0, 19))).toThrow(/shorter than the header/);
    expect(() => decodePacket(RFC_ACCEPT.subarray(0, 30))).toThrow(/bad packet length/);
    const bad = Buffer.from(RFC_ACCEPT);
    bad[21] = 1;
    expect(() => decodePacket(bad)).toThrow(/bad length 1/);
  });
});
