#!/usr/bin/env node
import { main } from './main.js';

// A reader that stops early (`etl compile | head -1`) closes the pipe: the rest of the output
// has nowhere to go, which is not an error. Writes to that stream stop and the command ends
// quietly with its own exit code (0 for compile or dag), as ripgrep does; git instead dies of
// SIGPIPE (141 in the shell), which Node, ignoring SIGPIPE, cannot do cleanly.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    stream.write = () => true;
  });

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
