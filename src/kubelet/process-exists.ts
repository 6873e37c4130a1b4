/** Whether process `pid` exists (a zombie does; EPERM: it does, as another user's). Signal 0 checks without signalling. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
