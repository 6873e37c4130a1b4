/**
 * The WebSocket remote-command protocol of exec and attach (`v4.channel.k8s.io`,
 * `v5.channel.k8s.io`): every binary message starts with a channel byte — 0 stdin, 1 stdout,
 * 2 stderr, 3 error (one v1 Status JSON, the command's outcome), 4 resize
 * (`{"Width":..,"Height":..}`) — and v5 adds 255, a close signal whose payload names the
 * channel the sender is done with (how `kubectl cp` ends `tar xf -`'s stdin).
 */

export const V5_PROTOCOL = 'v5.channel.k8s.io';
export const V4_PROTOCOL = 'v4.channel.k8s.io';
/** What this server speaks, most preferred first. */
export const REMOTE_COMMAND_PROTOCOLS = [V5_PROTOCOL, V4_PROTOCOL];

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;
export const RESIZE = 4;
export const CLOSE = 255;

/** Prefixes `data` with its channel byte. */
export function encodeFrame(channel: number, data: Buffer | string): Buffer {
  return Buffer.concat([Buffer.of(channel), typeof data === 'string' ? Buffer.from(data) : data]);
}

/** Splits a message into channel and payload; undefined for an empty message. */
export function decodeFrame(message: Buffer): { channel: number; data: Buffer } | undefined {
  if (message.length === 0) return undefined;
  return { channel: message[0], data: message.subarray(1) };
}

/** Picks the first protocol the client offers that this server speaks (the client orders by preference). */
export function chooseProtocol(offered: Iterable<string>, supported: string[] = REMOTE_COMMAND_PROTOCOLS): string | undefined {
  for (const p of offered) if (supported.includes(p)) return p;
  return undefined;
}

/** A terminal size as the resize channel carries it. */
export interface TerminalSize {
  width: number;
  height: number;
}

/** Parses a resize message; undefined when malformed (ignored, as upstream logs and carries on). */
export function parseResize(data: Buffer): TerminalSize | undefined {
  try {
    const size = JSON.parse(data.toString()) as { Width?: unknown; Height?: unknown };
    if (typeof size.Width !== 'number' || typeof size.Height !== 'number') return undefined;
    return { width: size.Width, height: size.Height };
  } catch {
    return undefined;
  }
}

/** The error channel's Status: what kubectl turns into its own exit code. */
export interface ExecStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes: { reason: string; message: string }[] };
}

/** The Status for a finished command: Success for 0, otherwise NonZeroExitCode carrying the code. */
export function exitStatus(exitCode: number, argv: string[] = []): ExecStatus {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** The Status for a command that could not be run at all. */
export function errorStatus(message: string): ExecStatus {
  return { metadata: {}, status: 'Failure', message };
}
