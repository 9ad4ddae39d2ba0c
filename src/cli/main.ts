// The `tract` command: one subcommand per file in src/cli. Unknown subcommands and bad flags print
// usage to stderr and exit with status 2; a failure exits with 1 and its message.
import { UsageError } from './args.ts';

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
    console.log(await overview());
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    console.error(`tract: unknown command '${name}'\n\n${await overview()}`);
    return 2;
  }
  const cmd = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(cmd.usage);
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`tract ${name}: ${e.message}\n\n${cmd.usage}`);
      return 2;
    }
    console.error(`tract ${name}: ${e instanceof Error ? e.message : String(e)}`);
    if (process.env.TRACT_DEBUG) console.error(e);
    return 1;
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
    // Dawn keeps the event loop alive; exit explicitly once the command is done.
    process.exitCode = code;
    setImmediate(() => process.exit(code));
  },
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
