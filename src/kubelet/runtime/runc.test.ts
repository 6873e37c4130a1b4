import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lastLoggedError, parseVersion, runtimeMessage } from './runc.ts';

describe('parseVersion', () => {
  const cases: [output: string, version: string][] = [
    ['runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev\n', '1.1.5'],
    ['runc version 1.2.0-rc.1\ncommit: v1.2.0-rc.1\n', '1.2.0'],
    ['crun version 1.8.1\ncommit: f8a096be\nrundir: /run/crun\n', '1.8.1'],
  ];
  for (const [output, version] of cases) test(output.split('\n')[0], () => assert.equal(parseVersion(output), version));
  test('unrecognised output is an error', () => assert.throws(() => parseVersion('hello'), /unrecognised/));
});

describe('runtimeMessage', () => {
  const cases: [stderr: string, message: string][] = [
    ['time="2026-11-26T12:07:43Z" level=error msg="container does not exist"\n', 'container does not exist'],
    ['time="x" level=error msg="exec failed: \\"foo\\": not found"\n', 'exec failed: "foo": not found'],
    ['error opening file `/run/crun/x/status`: No such file or directory\n', 'error opening file `/run/crun/x/status`: No such file or directory'],
    ['', ''],
  ];
  for (const [stderr, message] of cases) test(JSON.stringify(stderr), () => assert.equal(runtimeMessage(stderr), message));
});

describe('lastLoggedError', () => {
  test('the last error of runc\'s JSON log', () => {
    const log = [
      '{"level":"warning","msg":"something harmless","time":"2026-11-26T12:07:46Z"}',
      '{"level":"error","msg":"runc run failed: unable to start container process: exec: \\"nosuchcmd\\": executable file not found in $PATH","time":"2026-11-26T12:07:46Z"}',
      '',
    ].join('\n');
    assert.equal(lastLoggedError(log), 'runc run failed: unable to start container process: exec: "nosuchcmd": executable file not found in $PATH');
  });
  test('no error, or lines that are not JSON', () => {
    assert.equal(lastLoggedError('{"level":"warning","msg":"w"}\nnot json\n'), undefined);
  });
});
