/**
 * The default data directory: `/var/lib/skiff` as root, `~/.skiff` otherwise (as k3s does with
 * /var/lib/rancher/k3s and ~/.rancher/k3s).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultDataDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/skiff' : join(homedir(), '.skiff');
}
