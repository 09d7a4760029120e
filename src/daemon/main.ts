/** `hdvpnd` entry point: arguments, config, signals. */
import { parseDaemonArgs } from './cli-args';
import { runCheckConfig } from './check-config';
import { builtinConfig, loadConfigFile, formatDiagnostic } from './config';
import { Daemon } from './daemon';
import { tuneHeap } from './heap-tuning';

export async function main(argv: readonly string[]): Promise<number> {
  const args = parseDaemonArgs(argv);
  if (args.kind === 'exit') return 0;
  if (args.kind === 'usage-error') return args.exitCode;
  if (args.kind === 'check') {
    if (args.configPath === null) {
      process.stderr.write('hdvpnd: --check-config needs a config file\n');
      return 2;
    }
    return runCheckConfig(args.configPath);
  }
  let config;
  if (args.configPath === null) config = builtinConfig();
  else {
    const r = loadConfigFile(args.configPath);
    for (const w of r.warnings) process.stderr.write(`${formatDiagnostic(w)}\n`);
    if (!r.ok) {
      for (const e of r.errors) process.stderr.write(`${formatDiagnostic(e)}\n`);
      return 1;
    }
    config = r.config;
  }
  tuneHeap();
  const daemon = new Daemon({ config });
  try {
    await daemon.start();
  } catch (e) {
    daemon.logger.error(`cannot start: ${e instanceof Error ? e.message : String(e)}`);
    await daemon.stop('start failed').catch(() => undefined);
    return 1;
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (sig: string): void => {
      if (stopping) return;
      stopping = true;
      daemon.stop(`hdvpnd received ${sig}`).then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.on('SIGHUP', () => {
      if (args.configPath === null) {
        daemon.logger.warn('SIGHUP: running on the built-in config, nothing to reload');
        return;
      }
      const r = loadConfigFile(args.configPath);
      if (!r.ok) {
        for (const e of r.errors) daemon.logger.error(`reload refused: ${formatDiagnostic(e)}`);
        return;
      }
      daemon.reload(r.config).catch((e: unknown) => daemon.logger.error(`reload failed: ${e instanceof Error ? e.message : String(e)}`));
    });
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
  });
}
