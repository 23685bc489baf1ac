import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Command } from 'commander';
import { buildProgram, quarkVersion } from './program.js';

function all(c: Command, path: string[] = []): { path: string; command: Command }[] {
  return c.commands.flatMap((sub) => [
    { path: [...path, sub.name()].join(' '), command: sub },
    ...all(sub, [...path, sub.name()]),
  ]);
}

describe('the quark command', () => {
  it('describes every subcommand in --help', () => {
    const missing = all(buildProgram())
      .filter(({ command }) => command.description().trim() === '')
      .map(({ path }) => path);
    assert.deepEqual(missing, []);
  });

  it('says in `quark agent --help` how the agent authenticates', () => {
    const agent = buildProgram().commands.find((c) => c.name() === 'agent')!;
    let help = '';
    agent.configureOutput({ writeOut: (s) => (help += s) });
    agent.outputHelp();
    assert.match(
      help,
      /Authentication:\n {2}The agent logs in to the server's identity API as a Keystone user that holds the\n {2}admin role/,
    );
    assert.match(help, /QUARK_USERNAME and QUARK_PASSWORD/);
  });

  it('prints the version of package.json with --version', () => {
    assert.match(quarkVersion(), /^\d+\.\d+\.\d+/);
    let out = '';
    const program = buildProgram()
      .exitOverride()
      .configureOutput({ writeOut: (s) => (out += s) });
    assert.throws(() => program.parse(['node', 'quark', '--version']), { code: 'commander.version' });
    assert.equal(out, `quark ${quarkVersion()} (Node.js ${process.version})\n`);
  });
});
