/** Where the daemon's control socket lives when nothing says otherwise; shared by hdvpnd and the CLI. */

/**
 * The control socket when none is configured. Root uses /run/hdvpn (the FHS
 * place for daemon sockets); a normal user the per-user runtime directory, or
 * /tmp with the uid in the name so users never collide. The CLI uses the same
 * function so both ends agree without configuration.
 */
export function defaultControlSocket(env: NodeJS.ProcessEnv = process.env, uid: number | undefined = process.getuid?.()): string {
  if (uid === 0) return '/run/hdvpn/hdvpn.sock';
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime !== undefined && runtime.startsWith('/')) return `${runtime}/hdvpn.sock`;
  return `/tmp/hdvpn-${uid ?? 'user'}.sock`;
}
