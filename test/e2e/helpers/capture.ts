/** tshark on a lab node's eth0, for the e2e tests that check every tunnel header on a link. */
import { readFileSync } from 'node:fs';
import { type LabNode, type LabProcess, waitFor } from '../../interop/lab';

/** Starts capturing GRE and IP-in-IP on `node`'s eth0 into `file`; resolves once tshark says it is capturing. */
export async function captureTunnels(node: LabNode, file: string): Promise<LabProcess> {
  const log = `${file}.log`;
  const p = node.spawn(['tshark', '-i', 'eth0', '-w', file, '-f', 'ip proto 47 or ip proto 4'], log);
  await waitFor('tshark capturing', () => {
    try {
      return readFileSync(log, 'utf8').includes('Capturing on') ? true : undefined;
    } catch {
      return undefined;
    }
  }, { timeoutMs: 15000 });
  return p;
}
