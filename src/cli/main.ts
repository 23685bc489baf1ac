/** The `quark` binary: runs the command tree of program.ts and turns a failure into one line and exit status 1. */
import { buildProgram } from './program.js';

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`quark: ${message}\n`);
    process.exitCode = 1;
  }
}

await main(process.argv);
