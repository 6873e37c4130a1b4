/**
 * The kubelet's refusal to start on a machine that cannot run it. A module of its own so the
 * command line can explain it without loading the kubelet.
 */

/** Thrown when the machine cannot run the kubelet; each problem is one line naming the fix. */
export class KubeletPreflightError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'KubeletPreflightError';
  }
}
