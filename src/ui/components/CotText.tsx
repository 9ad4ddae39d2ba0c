// A chain of thought as the model wrote it, readable: bytes that did not form text (⟨0xNN⟩, or ⟨?⟩
// for a "�" where a decoder did not keep them: a run's self-CoTs and evaluations) are marked as bytes, and when they are most of it the view
// says the model looks untrained rather than leaving noise that reads as a bug. Text only, never HTML.
import { BYTE_ESCAPE, looksUntrained } from '../../data/tokenizers/readable.ts';

/** The text with each byte escape in a marked span. */
export function CotBytes({ text }: { text: string }) {
  const parts: (string | { byte: string })[] = [];
  let last = 0;
  for (const m of text.matchAll(BYTE_ESCAPE)) {
    if (m.index! > last) parts.push(text.slice(last, m.index));
    parts.push({ byte: m[0] });
    last = m.index! + m[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return (
    <>
      {parts.map((p, i) =>
        typeof p === 'string' ? (
          p
        ) : (
          // "�" comes from texts decoded before they reached the app (a run's self-CoTs and evaluations): the byte's value is not known.
          <span key={i} className="byte-escape" title={p.byte === '\uFFFD' ? 'bytes that did not form text (their values were not kept)' : 'a byte that is not part of any UTF-8 character'}>
            {p.byte === '\uFFFD' ? '⟨?⟩' : p.byte}
          </span>
        ),
      )}
    </>
  );
}

/** The note under a CoT that is mostly byte noise (null otherwise). Judged once the text is long enough to tell. */
export function UntrainedNote({ text, testid }: { text: string; testid?: string }) {
  if (text.replace(/\s/g, '').length < 8 || !looksUntrained(text)) return null;
  return (
    <p className="muted untrained" data-testid={testid}>
      Most of this is bytes that do not form text (shown ⟨0xNN⟩): the model looks untrained — or was trained with another tokenizer — so its reasoning means nothing yet.
    </p>
  );
}
