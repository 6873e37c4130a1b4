/**
 * The Node flags skiff runs with. They are on bin/skiff's first line (`#!/usr/bin/env -S node
 * FLAGS`), which is what a user's `bin/skiff up` gets; what starts skiff as `node bin/skiff …`
 * instead (`skiff cluster up`'s processes, the benchmarks) reads them from that line, so the
 * two never differ.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** `bin/skiff` of this checkout. */
export const SKIFF_BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'skiff');

let flags: string[] | undefined;

/** The flags after `node` on bin/skiff's `#!` line (none when it names no flags). */
export function skiffNodeFlags(): string[] {
  return (flags ??= nodeFlagsOfShebang(readFileSync(SKIFF_BIN, 'utf8').split('\n', 1)[0]));
}

/** `#!/usr/bin/env -S node --a --b` → ['--a', '--b']; `#!/usr/bin/env node` → []. */
export function nodeFlagsOfShebang(line: string): string[] {
  const words = line.replace(/^#!/, '').trim().split(/\s+/);
  const node = words.findIndex((w) => w === 'node' || w.endsWith('/node'));
  return node < 0 ? [] : words.slice(node + 1).filter((w) => w.startsWith('--'));
}
