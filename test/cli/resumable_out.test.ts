// The resumable output of `tract judge --out` (src/cli/resumable_out.ts), without a GPU: complete
// lines are kept when they are the input's first rows, a torn last line is cut off, anything else is
// refused naming the file, line and row; appends add whole lines.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/cli/errors.ts';
import { openResumable } from '../../src/cli/resumable_out.ts';

const ids = ['a', 'b', 'c'];
const fresh = () => join(mkdtempSync(join(tmpdir(), 'tract-resume-')), 'out.jsonl');
const line = (id: string) => JSON.stringify({ id, yhat: 3.5 });

describe('openResumable', () => {
  it('starts a new file, appends whole lines, and continues after them', async () => {
    const p = fresh();
    const a = await openResumable(p, 'out.jsonl', ids);
    expect([a.done, a.dropped]).toEqual([0, 0]);
    await a.append([line('a')]);
    await a.close();
    const b = await openResumable(p, 'out.jsonl', ids);
    expect(b.done).toBe(1);
    await b.append([line('b'), line('c')]);
    await b.close();
    expect(readFileSync(p, 'utf8')).toBe(`${line('a')}\n${line('b')}\n${line('c')}\n`);
  });

  it('drops a torn last line (even one that parses) and keeps the rows before it', async () => {
    for (const torn of ['{"id": "b", "yh', line('b')]) {
      const p = fresh();
      writeFileSync(p, `${line('a')}\n${torn}`);
      const r = await openResumable(p, 'out.jsonl', ids);
      expect([r.done, r.dropped]).toEqual([1, Buffer.byteLength(torn)]);
      await r.close();
      expect(readFileSync(p, 'utf8')).toBe(`${line('a')}\n`);
    }
  });

  it("refuses another input's output and a complete line that is not JSON, naming file, line and row", async () => {
    const cases: [string, RegExp, object][] = [
      [`${line('a')}\n${line('x')}\n`, /out\.jsonl:2: holds row "x" where the input's row 1 is "b"/, { file: 'out.jsonl', line: 2, row: 1, field: 'id' }],
      [`${line('a')}\nnot json\n`, /out\.jsonl:2: not a JSON line/, { file: 'out.jsonl', line: 2, row: 1 }],
      [[...ids, 'd'].map(line).join('\n') + '\n', /already holds 4 rows but the input has 3/, { file: 'out.jsonl' }],
    ];
    for (const [text, message, where] of cases) {
      const p = fresh();
      writeFileSync(p, text);
      const e = await openResumable(p, 'out.jsonl', ids).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).message).toMatch(message);
      expect((e as InputError).where).toEqual(where);
      // Nothing was changed.
      expect(readFileSync(p, 'utf8')).toBe(text);
    }
  });
});
