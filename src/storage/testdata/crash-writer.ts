/**
 * The victim of sqlite-crash.test.ts: writes to the store at `argv[2]` as fast as it can and
 * prints one JSON line per acknowledged write, until it is killed. Keys carry `argv[3]` so
 * runs on one file do not collide. `argv[4]` says how: `writers` (8 writers one write at a
 * time each, so commits are shared) or `bursts` (bursts of 64 writes asked for at once, so
 * every commit holds many).
 */
import { SqliteStore } from '../sqlite.ts';

const [path, run, mode = 'writers'] = process.argv.slice(2);
const store = SqliteStore.open(path);
const ack = (record: object) => process.stdout.write(`${JSON.stringify(record)}\n`);

async function writer(id: number): Promise<never> {
  for (let n = 0; ; n++) {
    const key = `/registry/crash/${run}/w${id}/${String(n).padStart(8, '0')}`;
    const created = await store.create(key, `created-${n}`);
    ack({ key, value: created.value, revision: created.modRevision });
    const updated = await store.update(key, `updated-${n}`, created.modRevision);
    ack({ key, value: updated.value, revision: updated.modRevision });
    if (n % 3 === 0) {
      const deleted = await store.delete(key, updated.modRevision);
      ack({ key, deleted: true, revision: deleted.modRevision });
    }
  }
}

/** Each round creates 64 keys at once, then updates them all at once, then deletes a third. */
async function bursts(): Promise<never> {
  for (let round = 0; ; round++) {
    const keys = Array.from({ length: 64 }, (_, i) => `/registry/crash/${run}/b${String(round).padStart(8, '0')}/${String(i).padStart(2, '0')}`);
    const created = await Promise.all(
      keys.map(async (key) => {
        const kv = await store.create(key, `created-${round}`);
        ack({ key, value: kv.value, revision: kv.modRevision });
        return kv;
      }),
    );
    await Promise.all(
      created.map(async ({ key, modRevision }, i) => {
        const kv = await store.update(key, `updated-${round}`, modRevision);
        ack({ key, value: kv.value, revision: kv.modRevision });
        if (i % 3 !== 0) return;
        const deleted = await store.delete(key, kv.modRevision);
        ack({ key, deleted: true, revision: deleted.modRevision });
      }),
    );
  }
}

await (mode === 'bursts' ? bursts() : Promise.all(Array.from({ length: 8 }, (_, id) => writer(id))));
