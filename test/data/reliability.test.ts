// Issue 16, items 4 and 5 (the data side): the JSONL splitter is linear (a long line in many
// chunks), rows over --max-row-bytes are refused one by one with a clear message, a single
// pretty-printed JSON object is one row, every read says which layout it decided on, invalid UTF-8
// is reported, and label statistics do not spread 100k+ arguments into Math.min.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labelReport } from '../../src/cli/data.ts';
import { loadJudgeData } from '../../src/data/index.ts';
import { jsonRecords, textChunks, type RecordEvent } from '../../src/data/jsonRecords.ts';
import type { JudgeExample } from '../../src/data/types.ts';
import { repoRoot } from '../../scripts/vulkan-env.mjs';
import { tract } from '../helpers/cli.ts';

const row = (id: string, extra = '') =>
  JSON.stringify({ id, instruction: 'Add 2 and 3.', response: `5${extra}`, reference_answer: '5', rubric: { criteria: 'Correct?', score1: 'a', score2: 'b', score3: 'c', score4: 'd', score5: 'e' }, score: 4 });

async function events(text: string, chunk: number, maxRowBytes?: number): Promise<RecordEvent[]> {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += chunk) parts.push(text.slice(i, i + chunk));
  const out: RecordEvent[] = [];
  for await (const e of jsonRecords(textChunks(parts), { maxRowBytes })) out.push(e);
  return out;
}

describe('jsonRecords', () => {
  it('splits a long line that arrives in many small chunks into one record (linear splitter)', async () => {
    const long = row('long', 'x'.repeat(2_000_000));
    const ev = await events(`${row('a')}\n${long}\r\n${row('b')}`, 4096);
    expect(ev[0]).toEqual({ kind: 'format', format: 'jsonl', line: 1 });
    const recs = ev.filter((e) => e.kind === 'record');
    expect(recs.map((e) => (e as { line: number }).line)).toEqual([1, 2, 3]);
    expect((recs[1] as { text: string }).text).toBe(long);
  });
  it('refuses a row over the per-row limit, keeps the others, in every layout', async () => {
    const big = row('big', 'y'.repeat(5000));
    const jsonl = await events(`${row('a')}\n${big}\n${row('b')}\n`, 700, 2000);
    expect(jsonl.filter((e) => e.kind === 'record').length).toBe(2);
    expect(jsonl.find((e) => e.kind === 'problem')).toMatchObject({ line: 2, index: 1, fatal: false, lostRow: true, message: expect.stringMatching(/over the per-row limit of 2000 bytes \(--max-row-bytes/) });
    const arr = await events(`[${row('a')},\n${big},\n${row('b')}]`, 700, 2000);
    expect(arr[0]).toMatchObject({ format: 'json-array' });
    expect(arr.filter((e) => e.kind === 'record').length).toBe(2);
    expect(arr.find((e) => e.kind === 'problem')).toMatchObject({ line: 2, lostRow: true });
    const objs = await events(`${JSON.stringify(JSON.parse(row('a')), null, 2)}\n${JSON.stringify(JSON.parse(big), null, 2)}\n`, 700, 2000);
    expect(objs[0]).toMatchObject({ format: 'json-objects' });
    expect(objs.filter((e) => e.kind === 'record').length).toBe(1);
    expect(objs.find((e) => e.kind === 'problem')).toMatchObject({ lostRow: true, fatal: false });
    // Multi-byte text: the limit is in UTF-8 bytes, not characters.
    const wide = row('wide', 'é'.repeat(900)); // ~1900 bytes in UTF-8 but < 1100 characters
    expect((await events(`${wide}\n`, 100, 1500)).find((e) => e.kind === 'problem')).toBeDefined();
  });
  it('reads one pretty-printed object (docs/example.json) as one row, and several in a row as several', async () => {
    const text = readFileSync(join(repoRoot, 'docs/example.json'), 'utf8');
    const r = await loadJudgeData(text, { file: 'docs/example.json' });
    expect(r.format).toBe('json-objects');
    expect(r.errors).toEqual([]);
    expect(r.accepted).toBe(1);
    const two = `${JSON.stringify(JSON.parse(row('p')), null, 2)}\n\n${JSON.stringify(JSON.parse(row('q')), null, 4)}`;
    const r2 = await loadJudgeData(two);
    expect(r2.examples.map((e) => e.id)).toEqual(['p', 'q']);
    const cut = await loadJudgeData(two.slice(0, -20));
    expect(cut.fatal).toBe(true);
    expect(cut.errors[0].message).toMatch(/the file ends inside the object that starts on line \d+ \(truncated JSON\)/);
    expect((await loadJudgeData(`[${row('a')}]`)).format).toBe('json-array');
    expect((await loadJudgeData(`${row('a')}\n${row('b')}`)).format).toBe('jsonl');
  });
  it('says when invalid UTF-8 was replaced', async () => {
    const bytes = new TextEncoder().encode(`${row('a')}\n${row('b')}\n`);
    const bad = new Uint8Array(bytes);
    bad[bytes.indexOf(0x35)] = 0xff; // the response "5" of row a becomes an invalid byte
    const r = await loadJudgeData(bad);
    expect(r.accepted).toBe(2);
    expect(r.warnings?.[0]).toMatch(/invalid UTF-8 from about byte 0: those bytes were replaced by U\+FFFD/);
    expect((await loadJudgeData(bytes)).warnings).toEqual([]);
  });
});

describe('label statistics', () => {
  it('take 300k labels without spreading them into Math.min (stack overflow above ~110k)', () => {
    const labels = Array.from({ length: 300_000 }, (_, i) => ({ label: 1 + (i % 9) / 2 }) as JudgeExample);
    const r = labelReport(labels);
    expect(r.min).toBe(1);
    expect(r.max).toBe(5);
  });
});

describe('tract data inspect', () => {
  it('says which layout it read, reads docs/example.json as one row, and warns about cut prompts', () => {
    const r = tract(['data', 'inspect', 'docs/example.json', '--json', '--seq-len', '64', '--prompt-cot-tokens', '8']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.format).toBe('json-objects');
    expect(j.accepted).toBe(1);
    expect(j.errorCount).toBe(0);
    expect(j.warnings.join('\n')).toMatch(/1 of 1 prompts are cut to fit the prompt-fit rule \(seqLen 64, CoT room 8\)|do not fit even with an emptied prompt/);
    const t = tract(['data', 'inspect', 'docs/example.json']);
    expect(t.stdout).toMatch(/read as: +one JSON object/);
  });
  it('--max-row-bytes refuses an oversized row with a clear error and keeps the rest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tract-rows-'));
    const f = join(dir, 'rows.jsonl');
    writeFileSync(f, `${row('a')}\n${row('big', 'z'.repeat(5000))}\n${row('b')}\n`);
    const r = tract(['data', 'inspect', f, '--json', '--max-row-bytes', '2000']);
    // One row rejected: input rejected in part, exit 1 (issue 14), with the report all the same.
    expect(r.status, r.stderr).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ format: 'jsonl', accepted: 2, rejected: 1 });
    expect(j.errors[0]).toMatchObject({ line: 2, message: expect.stringMatching(/over the per-row limit of 2000 bytes/) });
    const u = tract(['data', 'inspect', f, '--max-row-bytes', '0']);
    expect(u.status).toBe(2);
    expect(u.stderr).toMatch(/--max-row-bytes must be ≥ 1/);
  });
});
