/**
 * What a benchmark reads about the processes it started, from /proc: CPU time (the figure that
 * does not depend on what else runs on a shared machine) and peak resident memory.
 */
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** USER_HZ: /proc reports CPU time in ticks of 1/100 s on Linux. */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) process `pid` has used so far. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th overall.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** A memory figure of process `pid` in MiB from /proc/PID/status: VmHWM, VmRSS, RssAnon, RssFile... */
export async function statusMiB(pid: number, field: string): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) / 1024;
}

/** Peak resident memory of process `pid` in MiB, from the kernel's high-water mark. */
export function peakRssMiB(pid: number): Promise<number> {
  return statusMiB(pid, 'VmHWM');
}

/**
 * SIGTERMs `child` (if still running) and waits for it to exit; SIGKILLs it after 20 s, since
 * a control plane stopping under load can take longer than a benchmark should wait.
 */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}
