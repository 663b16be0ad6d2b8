// Proves every group and command answers --help with its usage and every flag it accepts, without needing edged.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isGroup, type Command } from '../../runtime/cli/command.js';
import { commandTable } from '../../runtime/cli/command-table.js';
import { version } from '../../runtime/common/version.js';
import { edgectl } from './support.js';

// Help must not need a daemon: point at a socket that does not exist.
const nowhere = { socketPath: '/nonexistent/edgectl-help-test.sock' };

function commandsWithPaths(): [string[], Command][] {
  return commandTable.flatMap((entry): [string[], Command][] =>
    isGroup(entry) ? entry.commands.map((command): [string[], Command] => [[entry.name, command.name], command]) : [[[entry.name], entry]],
  );
}

test('edgectl --help (and edgectl alone) lists every command and the global flags', async () => {
  for (const argv of [['--help'], ['-h'], []]) {
    const result = await edgectl(argv, nowhere);
    assert.is(result.code, 0, argv.join(' '));
    assert.ok(result.stdout.startsWith('Usage: edgectl [OPTIONS] COMMAND\n'));
    for (const entry of commandTable) assert.match(result.stdout, new RegExp(`^  ${entry.name} +\\S`, 'm'), entry.name);
    for (const flag of ['--host', '--json', '--help', '--version']) assert.match(result.stdout, flag);
  }
});

test('every group answers --help (and its bare name) with the list of its commands', async () => {
  for (const group of commandTable.filter(isGroup)) {
    for (const argv of [[group.name, '--help'], [group.name]]) {
      const result = await edgectl(argv, nowhere);
      assert.is(result.code, 0, argv.join(' '));
      assert.ok(result.stdout.startsWith(`Usage: edgectl ${group.name} COMMAND\n`));
      for (const command of group.commands) assert.match(result.stdout, new RegExp(`^  ${command.name} +${command.summary.slice(0, 10)}`, 'm'));
    }
  }
});

test('every command answers --help with its usage line, summary and each of its flags', async () => {
  const all = commandsWithPaths();
  assert.ok(all.length >= 13, `expected at least the 13 swarm, node and top-level commands, found ${all.length}`);
  for (const [path, command] of all) {
    const result = await edgectl([...path, '--help'], nowhere);
    assert.is(result.code, 0, path.join(' '));
    assert.is(result.stderr, '');
    assert.ok(result.stdout.startsWith(`Usage: edgectl ${path.join(' ')}`), result.stdout.split('\n')[0]);
    assert.match(result.stdout, command.summary);
    for (const flag of command.flags) {
      assert.match(result.stdout, flag.name, `${path.join(' ')} --help lists ${flag.name}`);
      if (flag.short) assert.match(result.stdout, `${flag.short}, ${flag.name}`);
    }
    for (const flag of ['--host', '--json', '--help']) assert.match(result.stdout, flag);
  }
});

test('--help wins over missing arguments, and an alias shows the command it stands for', async () => {
  const result = await edgectl(['node', 'rm', '--help'], nowhere);
  assert.is(result.code, 0);
  assert.match(result.stdout, 'Usage: edgectl node rm [OPTIONS] NODE...');
  const alias = await edgectl(['node', 'list', '-h'], nowhere);
  assert.match(alias.stdout, 'Usage: edgectl node ls');
  assert.match(alias.stdout, 'Aliases: ls, list');
});

test('version and --version print the edgectl version without edged', async () => {
  assert.equal(await edgectl(['version'], nowhere), { code: 0, stdout: `edgectl version ${version}\n`, stderr: '' });
  assert.equal(await edgectl(['--version'], nowhere), { code: 0, stdout: `edgectl version ${version}\n`, stderr: '' });
  assert.equal(JSON.parse((await edgectl(['version', '--json'], nowhere)).stdout), { version });
});

test.run();
