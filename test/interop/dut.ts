/**
 * hdvpnd as the device under test in the interop lab: writes its YAML config,
 * runs the built daemon (`dist/`, from `npm run build`) inside the node's
 * namespace, and reads its state through the control socket, as the CLI does.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { controlRequest } from '../../src/control/client';
import type { ControlRequest } from '../../src/control/protocol';
import type { LabNode, LabProcess } from './lab';
import { tail, waitFor } from './lab';

// test/interop from the sources (jest), dist/test/interop when compiled for bench:e2e.
const ROOT = existsSync(resolve(__dirname, '..', '..', 'package.json')) ? resolve(__dirname, '..', '..') : resolve(__dirname, '..', '..', '..');

export type Obj = Record<string, unknown>;

export class Dut {
  proc: LabProcess | null = null;
  readonly socket: string;
  readonly configPath: string;
  readonly logPath: string;

  constructor(readonly node: LabNode, private yaml: string) {
    this.socket = join(node.dir, 'hdvpnd.sock');
    this.configPath = join(node.dir, 'hdvpnd.yaml');
    this.logPath = join(node.dir, 'hdvpnd.log');
  }

  /** The config with `control.socket` and logging filled in; `yaml` must not set them. */
  private fullConfig(): string {
    return `${this.yaml.trimEnd()}\ncontrol: { socket: ${this.socket} }\nlogging: { level: debug, format: text }\n`;
  }

  async start(): Promise<void> {
    if (!existsSync(join(ROOT, 'dist/src/daemon/main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
    writeFileSync(this.configPath, this.fullConfig(), { mode: 0o600 });
    this.proc = this.node.spawn([process.execPath, join(ROOT, 'bin/hdvpnd.js'), '--config', this.configPath], this.logPath);
    await waitFor('hdvpnd control socket', () => this.request({ command: 'ping' }).then((r) => r === 'pong'), {
      timeoutMs: 20000,
      diagnostics: () => this.logTail(),
    });
  }

  /** Rewrites the config and sends SIGHUP (hdvpnd reloads routes and neighbors). */
  reconfigure(yaml: string): void {
    this.yaml = yaml;
    writeFileSync(this.configPath, this.fullConfig(), { mode: 0o600 });
    this.proc?.signal('SIGHUP');
  }

  async stop(): Promise<void> {
    await this.proc?.stop(5000);
    this.proc = null;
  }

  request(req: ControlRequest): Promise<unknown> {
    return controlRequest(this.socket, req, 5000);
  }

  async neighbors(): Promise<Obj[]> {
    return (await this.request({ command: 'show-neighbors' })) as Obj[];
  }

  async neighbor(address: string): Promise<Obj | undefined> {
    return (await this.neighbors()).find((n) => n.address === address);
  }

  async rib(family?: string): Promise<Obj[]> {
    return (await this.request({ command: 'show-rib', ...(family ? { family } : {}) })) as Obj[];
  }

  waitEstablished(address: string, timeoutMs = 30000): Promise<Obj> {
    return waitFor(`hdvpnd session with ${address} Established`, async () => {
      const n = await this.neighbor(address);
      return n && n.state === 'Established' ? n : undefined;
    }, { timeoutMs, diagnostics: () => this.logTail() });
  }

  waitRoute(family: string, prefix: string, match: Obj = {}, timeoutMs = 30000): Promise<Obj> {
    return waitFor(`hdvpnd route ${family} ${prefix} ${JSON.stringify(match)}`, async () => {
      const routes = await this.rib(family);
      return routes.find((r) => r.prefix === prefix && Object.entries(match).every(([k, v]) => JSON.stringify(r[k]) === JSON.stringify(v)));
    }, { timeoutMs, diagnostics: () => this.logTail() });
  }

  waitNoRoute(family: string, prefix: string, from?: string, timeoutMs = 30000): Promise<true> {
    return waitFor(`hdvpnd route ${family} ${prefix} gone`, async () => {
      const routes = await this.rib(family);
      return routes.some((r) => r.prefix === prefix && (from === undefined || r.from === from)) ? undefined : true;
    }, { timeoutMs, diagnostics: () => this.logTail() });
  }

  logTail(lines = 40): string {
    return `--- hdvpnd log (${this.logPath}) ---\n${tail(this.logPath, lines)}`;
  }
}
