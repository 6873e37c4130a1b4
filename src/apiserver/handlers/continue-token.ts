/**
 * List continuation tokens: the revision the first page was read at and the key to resume
 * from, so every page of one list is read at the same revision (a consistent snapshot).
 */
import { badRequest } from '../errors.ts';

export interface ContinueToken {
  revision: number;
  startKey: string;
}

export function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: t.revision, start: t.startKey })).toString('base64url');
}

export function decodeContinue(text: string): ContinueToken {
  try {
    const raw = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (raw.v === 'meta.k8s.io/v1' && Number.isInteger(raw.rv) && raw.rv > 0 && typeof raw.start === 'string') {
      return { revision: raw.rv, startKey: raw.start };
    }
  } catch {
    // fall through to the error below
  }
  throw badRequest(`continue key is not valid: ${text}`);
}
