import type { RevisionLog } from './sqlite-log.ts';
import type { KeyValue, WatchEvent } from './store.ts';

/**
 * The rules of a write, applied to the log: each write is checked against its key's newest
 * row (compare-and-swap) and, if it holds, appended as the next revision. Everything here is
 * plain data so it can cross from the API server's thread to the commit thread and back.
 */

/** One write as the store was asked for it. */
export type Write =
  | { kind: 'create'; key: string; value: string }
  | { kind: 'update'; key: string; value: string; expectedRevision: number }
  | { kind: 'delete'; key: string; expectedRevision?: number };

/**
 * What one write did: its answer and its watch event, or why it was refused (the store turns
 * the refusal into KeyExistsError, KeyNotFoundError or ConflictError).
 */
export type Outcome =
  | { kv: KeyValue; event: WatchEvent }
  | { refused: 'exists' | 'notFound'; key: string }
  | { refused: 'conflict'; key: string; current: KeyValue };

/**
 * Applies `writes` in one transaction (one commit, one fsync) after revision `revision`.
 * Returns each write's outcome, in order, and the revision after the last one that changed
 * something. Throws (and writes nothing) when the transaction cannot commit.
 */
export function commitWrites(log: RevisionLog, writes: readonly Write[], revision: number): { outcomes: Outcome[]; revision: number } {
  return log.transaction(() => {
    let next = revision;
    const outcomes = writes.map((write) => {
      const outcome = applyWrite(log, write, next + 1);
      if ('kv' in outcome) next += 1;
      return outcome;
    });
    if (next !== revision) log.setCurrentRevision(next);
    return { outcomes, revision: next };
  });
}

function applyWrite(log: RevisionLog, write: Write, revision: number): Outcome {
  const { key } = write;
  const current = log.latest(key);
  const live = current && !current.deleted ? current : undefined;
  if (write.kind === 'create') {
    if (live) return { refused: 'exists', key };
    log.insert({
      id: revision,
      name: key,
      created: 1,
      deleted: 0,
      create_revision: revision,
      prev_revision: current?.id ?? 0,
      value: write.value,
    });
    const kv = { key, value: write.value, createRevision: revision, modRevision: revision };
    return { kv, event: { type: 'PUT', kv } };
  }
  if (!live) return { refused: 'notFound', key };
  const prevKv = { key, value: live.value, createRevision: live.create_revision, modRevision: live.id };
  if (write.expectedRevision !== undefined && write.expectedRevision !== live.id) {
    return { refused: 'conflict', key, current: prevKv };
  }
  const deleted = write.kind === 'delete';
  const value = deleted ? live.value : write.value;
  log.insert({
    id: revision,
    name: key,
    created: 0,
    deleted: deleted ? 1 : 0,
    create_revision: live.create_revision,
    prev_revision: live.id,
    value,
  });
  const kv = { key, value, createRevision: live.create_revision, modRevision: revision };
  return { kv, event: { type: deleted ? 'DELETE' : 'PUT', kv, prevKv } };
}
