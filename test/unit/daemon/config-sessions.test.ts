import { printConfig } from '../../../src/daemon/config/printer';
import { sessionStorePath } from '../../../src/daemon/daemon';
import { errorsOf, HEAD, load, yaml } from './helpers';

describe('config: sessions', () => {
  it('defaults the store to the control socket directory', () => {
    const c = load(yaml(...HEAD, 'control: { socket: /run/hdvpn/hdvpn.sock }'));
    expect(c.sessions).toEqual({ store: null });
    expect(sessionStorePath(c)).toBe('/run/hdvpn/hdvpnd-sessions.db');
    expect(printConfig(c)).not.toMatch(/sessions/);
  });

  it('takes an absolute store path and prints it back', () => {
    const c = load(yaml(...HEAD, 'sessions: { store: /var/lib/hdvpn/sessions.db }'));
    expect(sessionStorePath(c)).toBe('/var/lib/hdvpn/sessions.db');
    expect(printConfig(c)).toMatch(/^sessions: \{ store: \/var\/lib\/hdvpn\/sessions.db \}$/m);
  });

  it('reports a relative path, a wrong type and an unknown key with file and line', () => {
    expect(errorsOf(yaml(...HEAD, 'sessions:', '  store: sessions.db'))).toEqual(["test.yaml:4: session store 'sessions.db' must be an absolute path"]);
    expect(errorsOf(yaml(...HEAD, 'sessions: { store: 5 }'))).toHaveLength(1);
    expect(errorsOf(yaml(...HEAD, 'sessions: { stor: /x }'))[0]).toMatch(/^test\.yaml:3: unknown key 'stor' in sessions/);
  });
});
