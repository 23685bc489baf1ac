import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatLogLine, wantsText } from './log-format.js';

const time = Date.parse('2026-11-27T10:00:01.250Z');

describe('formatLogLine', () => {
  it('turns a pino JSON line into one readable line: time, level, process, message, fields', () => {
    const line = JSON.stringify({
      level: 30,
      time,
      pid: 1,
      hostname: 'h',
      name: 'quark-agent',
      host: 'compute1',
      msg: 'agent started',
      roles: ['l2'],
      datapath: 'netdev',
    });
    assert.equal(
      formatLogLine(line),
      '2026-11-27 10:00:01.250 INFO  quark-agent compute1: agent started  roles=["l2"] datapath=netdev\n',
    );
  });

  it('keeps the stack of an error and leaves it out of a warning', () => {
    const err = {
      type: 'Error',
      message: 'connect ENOENT',
      stack: 'Error: connect ENOENT\n    at a (x.js:1)\n    at b (y.js:2)',
    };
    const warning = formatLogLine(JSON.stringify({ level: 40, time, name: 'quark-agent', msg: 'waiting', err }));
    assert.equal(warning, '2026-11-27 10:00:01.250 WARN  quark-agent: waiting  err="connect ENOENT"\n');
    const error = formatLogLine(JSON.stringify({ level: 50, time, name: 'quark-server', msg: 'failed', err }));
    assert.match(error, /ERROR quark-server: failed {2}err="connect ENOENT"\n {4}at a \(x.js:1\)\n {4}at b \(y.js:2\)\n$/);
  });

  it('passes a line that is not JSON through', () => {
    assert.equal(formatLogLine('plain'), 'plain\n');
  });

  it('writes text on a terminal or when asked, JSON otherwise', () => {
    assert.equal(wantsText('auto', true), true);
    assert.equal(wantsText('auto', false), false);
    assert.equal(wantsText('text', false), true);
    assert.equal(wantsText('json', true), false);
  });
});
