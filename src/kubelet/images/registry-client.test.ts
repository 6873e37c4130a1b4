import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseChallenge, registryEndpoint } from './registry-client.ts';

describe('registryEndpoint', () => {
  const cases: Array<[string, string[], string]> = [
    ['docker.io', [], 'https://registry-1.docker.io/v2/'],
    ['quay.io', [], 'https://quay.io/v2/'],
    ['registry.example.com:5000', [], 'https://registry.example.com:5000/v2/'],
    ['registry.example.com:5000', ['registry.example.com:5000'], 'http://registry.example.com:5000/v2/'],
    ['registry.example.com', ['registry.example.com:5000'], 'https://registry.example.com/v2/'],
    ['localhost:5000', [], 'http://localhost:5000/v2/'],
    ['localhost', [], 'http://localhost/v2/'],
    ['127.0.0.1:5000', [], 'http://127.0.0.1:5000/v2/'],
    ['[::1]:5000', [], 'http://[::1]:5000/v2/'],
  ];
  for (const [domain, insecure, expected] of cases) {
    it(`${domain}${insecure.length ? ` (insecure: ${insecure})` : ''} → ${expected}`, () => assert.equal(registryEndpoint(domain, insecure).href, expected));
  }
});

describe('parseChallenge', () => {
  it('reads a Bearer challenge as Docker Hub sends it', () => {
    assert.deepEqual(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), {
      scheme: 'bearer',
      params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' },
    });
  });
  it('reads a Basic challenge, unquoted values and escapes', () => {
    assert.deepEqual(parseChallenge('Basic realm=basic-realm'), { scheme: 'basic', params: { realm: 'basic-realm' } });
    assert.deepEqual(parseChallenge('Bearer realm="a\\"b", error="invalid_token"'), { scheme: 'bearer', params: { realm: 'a"b', error: 'invalid_token' } });
  });
});
