import { check, HEAD, load, yaml } from './helpers';

const pair = (downstreamExport: string): string =>
  yaml(
    ...HEAD,
    'half-duplex:',
    '  - name: red-pair',
    '    upstream:   { name: red-up,   rd: "65001:11", import: ["65000:1"] }',
    `    downstream: { name: red-down, rd: "65001:12", export: [${downstreamExport}] }`,
  );

describe('config warnings', () => {
  it('warns when a downstream VRF exports the hub route target its upstream imports', () => {
    expect(check(pair('"65000:2", "65000:1"'))).toEqual({
      errors: [],
      warnings: ["test.yaml:6: downstream VRF 'red-down' of pair 'red-pair' exports the hub route target 65000:1 that its upstream imports, so client routes would leak into upstream VRFs"],
    });
  });

  it('does not warn for a correct pair, whose spoke route target is imported on the hub, not here', () => {
    expect(check(pair('"65000:2"'))).toEqual({ errors: [], warnings: [] });
  });

  it('warns about a route target a VRF exports and no VRF on this node imports', () => {
    const text = yaml(...HEAD, 'vrfs:', '  - name: red', '    rd: "65001:1"', '    import: ["65001:1"]', '    export:', '      - "65001:1"', '      - "65001:99"');
    expect(check(text).warnings).toEqual(["test.yaml:9: route target 65001:99 exported by VRF 'red' is imported by no VRF on this node; check that a peer imports it"]);
  });

  it('does not fail the config: warnings come with a valid model', () => {
    expect(load(pair('"65000:1"')).halfDuplex).toHaveLength(1);
  });

  it('reports warnings alongside errors, separately', () => {
    const result = check(`${pair('"65000:1"')}neighbors: [{ address: 192.0.2.2, asn: 0 }]\n`);
    expect(result.errors).toEqual(['test.yaml:7: AS 0 is reserved (RFC 7607) and cannot be configured']);
    expect(result.warnings).toEqual([expect.stringMatching(/^test\.yaml:6: downstream VRF 'red-down'/)]);
  });
});
