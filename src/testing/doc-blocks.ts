/**
 * The command blocks of a document that a test runs: fenced blocks whose info string is `sh`
 * followed by where they run — machine names (`controller`, `network compute`), `all`, `vars`
 * (the settings the other blocks use) or `build` (on the machine with the repository). A plain
 * ```` ```sh ```` block is an example the test leaves alone.
 */

export interface DocBlock {
  /** The words after `sh`: machine names, `all`, `vars` or `build`. */
  readonly where: readonly string[];
  readonly text: string;
  /** 1-based line of the opening fence, for messages. */
  readonly line: number;
}

export function docBlocks(markdown: string): DocBlock[] {
  const out: DocBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```sh\s+(\S.*)$/.exec(lines[i]!);
    if (!open) continue;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !lines[j]!.startsWith('```')) body.push(lines[j++]!);
    out.push({ where: open[1]!.trim().split(/[\s,]+/), text: body.join('\n'), line: i + 1 });
    i = j;
  }
  return out;
}

/** `NAME=value` assignments of a vars block (comments and quotes aside), in order. */
export function assignedNames(text: string): string[] {
  return text
    .split('\n')
    .map((l) => /^\s*([A-Z_][A-Z0-9_]*)=/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined);
}
