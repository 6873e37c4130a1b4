import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HostLocalIpam, IpRangeExhaustedError } from './ipam.ts';

describe('HostLocalIpam', () => {
  let base: string;
  let n = 0;
  const fresh = () => join(base, `ipam-${n++}`);
  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'skiff-ipam-'));
  });
  after(() => rm(base, { recursive: true, force: true }));

  test('hands out addresses after the gateway, one file per address naming its sandbox', async () => {
    const dir = fresh();
    const ipam = new HostLocalIpam(dir);
    assert.equal(await ipam.allocate('pod-a', '10.42.3.0/24'), '10.42.3.2');
    assert.equal(await ipam.allocate('pod-b', '10.42.3.0/24'), '10.42.3.3');
    assert.equal(await readFile(join(dir, '10.42.3.3'), 'utf8'), 'pod-b');
  });

  test('asking again for a sandbox returns its address, also from a new instance (a restart)', async () => {
    const dir = fresh();
    const ip = await new HostLocalIpam(dir).allocate('pod-a', '10.42.3.0/24');
    const again = new HostLocalIpam(dir);
    assert.equal(await again.allocate('pod-a', '10.42.3.0/24'), ip);
    assert.equal(await again.addressOf('pod-a'), ip);
  });

  test('concurrent allocations never share an address', async () => {
    const ipam = new HostLocalIpam(fresh());
    const ids = Array.from({ length: 20 }, (_, i) => `pod-${i}`);
    const ips = await Promise.all([...ids, ...ids].map((id) => ipam.allocate(id, '10.42.0.0/24')));
    assert.equal(new Set(ips).size, 20);
    assert.deepEqual(ips.slice(0, 20), ips.slice(20));
  });

  test('two instances over one directory (two processes) never share an address', async () => {
    const dir = fresh();
    const [a, b] = [new HostLocalIpam(dir), new HostLocalIpam(dir)];
    const ips = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).allocate(`pod-${i}`, '10.42.0.0/24')));
    assert.equal(new Set(ips).size, 10);
  });

  test('release frees the address; round robin does not reuse it at once', async () => {
    const dir = fresh();
    const ipam = new HostLocalIpam(dir);
    const first = await ipam.allocate('pod-a', '10.42.0.0/24');
    await ipam.release('pod-a');
    await ipam.release('pod-a');
    assert.equal(await ipam.addressOf('pod-a'), undefined);
    assert.notEqual(await ipam.allocate('pod-b', '10.42.0.0/24'), first);
    assert.deepEqual((await readdir(dir)).filter((f) => f.startsWith('.')), []);
  });

  test('a restart goes on round robin from the last address handed out, also after a longer one', async () => {
    const dir = fresh();
    await mkdir(dir, { recursive: true });
    // The last address as an earlier kubelet wrote it: longer than the next one.
    await writeFile(join(dir, 'last_reserved_ip'), '10.42.0.254');
    assert.equal(await new HostLocalIpam(dir).allocate('pod-a', '10.42.0.0/24'), '10.42.0.2');
    assert.equal(await new HostLocalIpam(dir).allocate('pod-b', '10.42.0.0/24'), '10.42.0.3');
    await new HostLocalIpam(dir).release('pod-a');
    assert.equal(await new HostLocalIpam(dir).allocate('pod-c', '10.42.0.0/24'), '10.42.0.4');
  });

  test('an exhausted range is an error, and a freed address is found again', async () => {
    const ipam = new HostLocalIpam(fresh());
    // A /29 has 8 addresses: network, gateway and broadcast leave 5.
    const ips = [];
    for (let i = 0; i < 5; i++) ips.push(await ipam.allocate(`pod-${i}`, '10.42.0.8/29'));
    assert.deepEqual(ips, ['10.42.0.10', '10.42.0.11', '10.42.0.12', '10.42.0.13', '10.42.0.14']);
    await assert.rejects(ipam.allocate('pod-x', '10.42.0.8/29'), IpRangeExhaustedError);
    await ipam.release('pod-2');
    assert.equal(await ipam.allocate('pod-x', '10.42.0.8/29'), '10.42.0.12');
  });
});
