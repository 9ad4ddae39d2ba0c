// The `tract` command: one subcommand per file in src/cli. Errors and exit statuses are handled
// here for every command alike (src/cli/errors.ts): unknown subcommands and bad flags print usage
// to stderr and exit with status 2; rejected input and failures exit with 1 and their message; with
// --json the error is also printed on stdout as JSON. Every --help ends with the exit-status rule.
import { EXIT, EXIT_STATUS_HELP, reportError, wantsJson } from './errors.ts';

export interface Command {
  /** One line for the overview. */
  summary: string;
  /** Full usage text. */
  usage: string;
  run(argv: string[]): Promise<number>;
}

const commands: Record<string, () => Promise<Command>> = {
  info: async () => (await import('./info.ts')).command,
  bench: async () => (await import('./bench.ts')).command,
  generate: async () => (await import('./generate.ts')).command,
  run: async () => (await import('./run.ts')).command,
  pretrain: async () => (await import('./pretrain.ts')).command,
  judge: async () => (await import('./judge.ts')).command,
  eval: async () => (await import('./eval.ts')).command,
  data: async () => (await import('./data.ts')).command,
  export: async () => (await import('./export.ts')).command,
};

async function overview(): Promise<string> {
  const lines = ['usage: tract <command> [flags]', '', 'commands:'];
  for (const [name, load] of Object.entries(commands)) lines.push(`  ${name.padEnd(10)} ${(await load()).summary}`);
  lines.push('', "Run 'tract <command> --help' for a command's flags.");
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(`${await overview()}\n\n${EXIT_STATUS_HELP}`);
    return name ? EXIT.ok : EXIT.usage;
  }
  const load = commands[name];
  if (!load) {
    console.error(`tract: unknown command '${name}'\n\n${await overview()}`);
    if (wantsJson(rest)) console.log(JSON.stringify({ error: 'usage', message: `unknown command '${name}'` }));
    return EXIT.usage;
  }
  // A command whose code cannot load (a missing native module, say) fails like any other failure:
  // its message, exit status 1, and a JSON record under --json.
  let cmd: Command;
  try {
    cmd = await load();
  } catch (e) {
    return reportError(name, new Error(`the command could not be loaded: ${e instanceof Error ? e.message : String(e)}`), { json: wantsJson(rest), debug: !!process.env.TRACT_DEBUG });
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`${cmd.usage}\n\n${EXIT_STATUS_HELP}`);
    return EXIT.ok;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    return reportError(name, e, { json: wantsJson(rest), usage: cmd.usage, debug: !!process.env.TRACT_DEBUG });
  }
}

// `tract … | head`: once the reader has gone, writes to stdout fail with EPIPE; that is the reader's
// choice, not our failure, so stop quietly instead of dying with an unhandled 'error' event.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    // Dawn keeps the event loop alive; exit explicitly once the command is done — after stdout has
    // taken everything written to it (a pipe takes a large write in pieces: exiting at once cut
    // JSON lines off; the callback of an empty write runs once the writes before it are flushed).
    process.exitCode = code;
    process.stdout.write('', () => setImmediate(() => process.exit(code)));
  },
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
