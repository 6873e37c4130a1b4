/**
 * How a commit's outcomes cross back from the commit thread: as numbers in one Float64Array
 * and one string per write (the value it replaced), not as a graph of objects. Every write
 * crosses once, and copying nested objects between threads cost more of the API server's
 * thread than anything else in a write's hand-off; the asking side knows each write's key and
 * new value already, so it rebuilds the same Outcome objects from these.
 */
import type { Outcome, Write } from './sqlite-commit.ts';
import type { KeyValue } from './store.ts';

/** One write's outcome: [code, modRevision, createRevision, prevModRevision]. */
const FIELDS = 4;
/** The first number of an outcome: what became of the write. */
const DONE = 0;
const EXISTS = 1;
const NOT_FOUND = 2;
const CONFLICT = 3;

/** Outcomes as they cross the thread boundary. */
export interface WireOutcomes {
  numbers: Float64Array;
  /** Per write: the value it replaced or removed (a conflict: the current value); null when none. */
  values: (string | null)[];
}

/** On the commit thread: `outcomes` in wire form. */
export function encodeOutcomes(outcomes: readonly Outcome[]): WireOutcomes {
  const numbers = new Float64Array(outcomes.length * FIELDS);
  const values: (string | null)[] = new Array(outcomes.length);
  outcomes.forEach((outcome, i) => {
    const at = i * FIELDS;
    if ('kv' in outcome) {
      numbers[at] = DONE;
      numbers[at + 1] = outcome.kv.modRevision;
      numbers[at + 2] = outcome.kv.createRevision;
      numbers[at + 3] = outcome.event.prevKv?.modRevision ?? 0;
      values[i] = outcome.event.prevKv?.value ?? null;
    } else if (outcome.refused === 'conflict') {
      numbers[at] = CONFLICT;
      numbers[at + 1] = outcome.current.modRevision;
      numbers[at + 2] = outcome.current.createRevision;
      values[i] = outcome.current.value;
    } else {
      numbers[at] = outcome.refused === 'exists' ? EXISTS : NOT_FOUND;
      values[i] = null;
    }
  });
  return { numbers, values };
}

/** On the asking thread: the outcomes of `writes` (the same writes, in order) from their wire form. */
export function decodeOutcomes(writes: readonly Write[], wire: WireOutcomes): Outcome[] {
  const { numbers, values } = wire;
  if (numbers.length !== writes.length * FIELDS) throw new Error(`the commit thread answered ${numbers.length / FIELDS} outcomes for ${writes.length} writes`);
  return writes.map((write, i): Outcome => {
    const at = i * FIELDS;
    const { key } = write;
    const code = numbers[at];
    if (code === EXISTS) return { refused: 'exists', key };
    if (code === NOT_FOUND) return { refused: 'notFound', key };
    if (code === CONFLICT) return { refused: 'conflict', key, current: { key, value: values[i]!, createRevision: numbers[at + 2], modRevision: numbers[at + 1] } };
    const createRevision = numbers[at + 2];
    if (write.kind === 'create') {
      const kv: KeyValue = { key, value: write.value, createRevision, modRevision: numbers[at + 1] };
      return { kv, event: { type: 'PUT', kv } };
    }
    const prevKv: KeyValue = { key, value: values[i]!, createRevision, modRevision: numbers[at + 3] };
    const kv: KeyValue = { key, value: write.kind === 'delete' ? prevKv.value : write.value, createRevision, modRevision: numbers[at + 1] };
    return { kv, event: { type: write.kind === 'delete' ? 'DELETE' : 'PUT', kv, prevKv } };
  });
}
