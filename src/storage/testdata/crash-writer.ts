/**
 * The victim of sqlite-crash.test.ts: writes to the store at `argv[2]` as fast as it can from
 * several concurrent writers (so commits are shared) and prints one JSON line per
 * acknowledged write, until it is killed. Keys carry `argv[3]` so runs on one file do not
 * collide.
 */
import { SqliteStore } from '../sqlite.ts';

const [path, run] = process.argv.slice(2);
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

await Promise.all(Array.from({ length: 8 }, (_, id) => writer(id)));
