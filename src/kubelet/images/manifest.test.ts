import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostArchitecture, ManifestError, MediaTypes, parseImageConfig, parseManifest, selectPlatform, type Descriptor } from './manifest.ts';

const d = (n: number, platform?: Descriptor['platform']): Descriptor => ({ digest: `sha256:${String(n).repeat(64).slice(0, 64)}`, platform });

describe('selectPlatform', () => {
  const amd64 = d(1, { os: 'linux', architecture: 'amd64' });
  const arm64 = d(2, { os: 'linux', architecture: 'arm64', variant: 'v8' });
  const armv7 = d(3, { os: 'linux', architecture: 'arm', variant: 'v7' });
  const windows = d(4, { os: 'windows', architecture: 'amd64' });
  const attestation = d(5, { os: 'unknown', architecture: 'unknown' });
  const cases: Array<[string, Descriptor[], string, Descriptor | undefined]> = [
    ['amd64 from a multi-arch list', [attestation, windows, arm64, amd64], 'amd64', amd64],
    ['arm64 with variant v8', [amd64, armv7, arm64], 'arm64', arm64],
    ['none for an architecture the list lacks', [amd64, windows], 'arm64', undefined],
    ['never an attestation manifest', [attestation], 'amd64', undefined],
  ];
  for (const [name, list, arch, expected] of cases) it(name, () => assert.equal(selectPlatform(list, arch), expected));
  it('names node architectures as images do', () => {
    assert.equal(hostArchitecture('x64'), 'amd64');
    assert.equal(hostArchitecture('arm64'), 'arm64');
  });
});

describe('parseManifest', () => {
  it('reads a docker manifest list and an OCI manifest', () => {
    assert.equal(parseManifest(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.dockerManifestList, manifests: [] })).kind, 'index');
    const m = parseManifest(JSON.stringify({ schemaVersion: 2, config: d(1), layers: [d(2)] }), MediaTypes.ociManifest);
    assert.equal(m.kind, 'manifest');
  });
  it('refuses schema 1 and garbage', () => {
    assert.throws(() => parseManifest(JSON.stringify({ schemaVersion: 1, fsLayers: [] })), ManifestError);
    assert.throws(() => parseManifest('<html>'), ManifestError);
    assert.throws(() => parseManifest('{"schemaVersion":2}'), /unsupported manifest/);
  });
});

describe('parseImageConfig', () => {
  it('keeps what decides how containers run', () => {
    const config = parseImageConfig(JSON.stringify({ config: { Entrypoint: ['/init'], Cmd: ['run'], Env: ['A=1'], WorkingDir: '/w', User: '1000', Labels: { x: 'y' } }, rootfs: { type: 'layers', diff_ids: [d(1).digest] } }));
    assert.deepEqual(config, { diffIds: [d(1).digest], runtime: { Entrypoint: ['/init'], Cmd: ['run'], Env: ['A=1'], WorkingDir: '/w', User: '1000' } });
  });
  it('accepts a config without a config section (scratch images)', () => {
    assert.deepEqual(parseImageConfig(JSON.stringify({ rootfs: { diff_ids: [] } })), { diffIds: [], runtime: {} });
  });
});
