/**
 * A real FreeRADIUS (Debian's `freeradius`, scripts/system-deps.sh) for
 * tests: a generated config directory (radiusd.conf with one client, the
 * `files` module reading a users file, the `detail` module writing
 * accounting records), run in the foreground with `-X` on 127.0.0.1 and
 * UDP ports chosen here. Stopped with its process, its directory removed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const FREERADIUS_BINARY = ['/usr/sbin/freeradius', '/usr/sbin/radiusd'].find((p) => existsSync(p)) ?? '/usr/sbin/freeradius';

/** A UDP port free on 127.0.0.1 at the time of asking. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

export interface FreeRadiusOptions {
  readonly dir: string;
  readonly secret: string;
  /** The users file (FreeRADIUS `files` module syntax). */
  readonly users: string;
}

export class FreeRadius {
  authPort = 0;
  accountingPort = 0;
  private proc: ChildProcess | null = null;
  private output = '';

  constructor(private readonly opts: FreeRadiusOptions) {}

  get detailFile(): string {
    return join(this.opts.dir, 'acct', 'detail');
  }

  /** What the accounting module wrote so far ('' before the first record). */
  detail(): string {
    return existsSync(this.detailFile) ? readFileSync(this.detailFile, 'utf8') : '';
  }

  log(): string {
    return this.output;
  }

  async start(): Promise<void> {
    const d = this.opts.dir;
    for (const sub of ['log', 'acct', 'run']) mkdirSync(join(d, sub), { recursive: true });
    this.authPort = await freeUdpPort();
    this.accountingPort = await freeUdpPort();
    writeFileSync(join(d, 'users'), this.opts.users);
    writeFileSync(join(d, 'radiusd.conf'), radiusdConf(d, this.opts.secret, this.authPort, this.accountingPort));
    const proc = spawn(FREERADIUS_BINARY, ['-X', '-d', d, '-n', 'radiusd'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`FreeRADIUS did not start within 15 s:\n${this.output}`)), 15000);
      const onData = (chunk: Buffer): void => {
        this.output += chunk.toString();
        if (this.output.includes('Ready to process requests')) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`FreeRADIUS exited with ${code}:\n${this.output}`));
      });
      proc.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  }
}

function radiusdConf(d: string, secret: string, authPort: number, accountingPort: number): string {
  return `prefix = /usr
exec_prefix = /usr
sysconfdir = ${d}
localstatedir = ${d}
sbindir = /usr/sbin
logdir = ${d}/log
raddbdir = ${d}
radacctdir = ${d}/acct
name = radiusd
confdir = ${d}
modconfdir = ${d}
run_dir = ${d}/run
db_dir = ${d}
libdir = /usr/lib/freeradius
pidfile = ${d}/run/radiusd.pid
max_request_time = 30
cleanup_delay = 0
max_requests = 16384
hostname_lookups = no
log {
  destination = files
  file = ${d}/log/radius.log
  auth = yes
}
security {
  allow_core_dumps = no
}
client local {
  ipaddr = 127.0.0.1
  secret = "${secret}"
}
modules {
  files {
    filename = ${d}/users
  }
  detail {
    filename = ${d}/acct/detail
    permissions = 0600
    header = "%t"
  }
}
server default {
  listen {
    type = auth
    ipaddr = 127.0.0.1
    port = ${authPort}
  }
  listen {
    type = acct
    ipaddr = 127.0.0.1
    port = ${accountingPort}
  }
  authorize {
    files
  }
  authenticate {
  }
  preacct {
  }
  accounting {
    detail
  }
  post-auth {
  }
}
`;
}
