// `tract generate` end to end in a child process, on the real stories260K files.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tract } from '../helpers/cli.ts';
import { llama2cOutput, STORIES_DIR } from '../helpers/stories.ts';

const BIN = fileURLToPath(new URL('stories260K.bin', STORIES_DIR));

describe('tract generate', () => {
  it('greedy from BOS prints llama2.c output (tokenizer found beside the .bin)', () => {
    const r = tract(['generate', '--checkpoint', BIN, '--temperature', '0', '--max-tokens', '100']);
    expect(r.status, r.stderr).toBe(0);
    const text = r.stdout.replace(/\n$/, '');
    expect(text.length).toBeGreaterThan(200);
    expect(llama2cOutput().startsWith(text)).toBe(true);
  });

  it('--json prints {text, tokens, tokensPerSec}, the prompt included', () => {
    const r = tract(['generate', '--checkpoint', BIN, '--prompt', 'The cat', '--max-tokens', '20', '--seed', '1', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(o.text.startsWith('The cat')).toBe(true);
    expect(o.tokens).toBe(20);
    expect(o.tokensPerSec).toBeGreaterThan(0);
  });

  it('bad flags and files: usage or a clear error', () => {
    expect(tract(['generate']).stderr).toMatch(/--checkpoint is required/);
    const t = tract(['generate', '--checkpoint', BIN, '--temperature', 'hot']);
    expect(t.status).toBe(2);
    expect(t.stderr).toMatch(/--temperature expects a number, got 'hot'/);
    const m = tract(['generate', '--checkpoint', '/nonexistent.bin']);
    expect(m.status).toBe(2);
    expect(m.stderr).toMatch(/no such file/);
    const big = tract(['generate', '--checkpoint', BIN, '--max-tokens', '600']);
    expect(big.status).toBe(2);
    expect(big.stderr).toMatch(/--max-tokens 600 does not fit/);
  });
});

describe('tract generate --stop', () => {
  it('stops once the text contains the stop string', () => {
    const r = tract(['generate', '--checkpoint', BIN, '--temperature', '0', '--max-tokens', '100', '--stop', 'Lily', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(o.text.endsWith('Lily')).toBe(true);
    expect(o.tokens).toBeLessThan(20);
  });
});
