// The procedural pretraining corpus: short documents that work small problems out in steps
// (steps.ts) — column addition with carries, column subtraction with borrows, comparing and
// distancing numbers, counting the words of a sentence or the items of a list, counting against a
// limit, and checking two sequences (letters, digits, words with typos) position by position.
// It is general procedural text, not judge data: no rubric, no score, no Rubric Lab example.
//
// Deterministic: document i of (seed, split) depends on nothing else, so a pretraining run can
// regenerate the documents of any step when it resumes, and the dev split never overlaps the
// train split's stream (a different RNG stream).
import { createRng, type Rng } from '../rng.ts';
import { additionSteps, compareSteps, countableWords, countingSteps, distanceSteps, positionSteps, subtractionSteps } from './steps.ts';
import { LETTERS, NOUNS, misspell, plainSentence } from './vocabulary.ts';

export const CORPUS_KINDS = ['addition', 'subtraction', 'compare', 'distance', 'counting', 'limit', 'position'] as const;
export type CorpusKind = (typeof CORPUS_KINDS)[number];

/** How often each kind is drawn (sums to 1): the judge-relevant procedures get the most practice. */
export const CORPUS_MIX: Record<CorpusKind, number> = {
  addition: 0.1,
  subtraction: 0.14,
  compare: 0.1,
  distance: 0.16,
  counting: 0.16,
  limit: 0.12,
  position: 0.22,
};

export interface CorpusDocument {
  kind: CorpusKind;
  text: string;
  /** The numbers the worked solution must arrive at (for tests). */
  facts: Record<string, number | string>;
}

/** A number with 1 to 3 digits, 2- and 3-digit ones most often. */
function number(rng: Rng): number {
  const d = rng.pick([1, 2, 2, 3, 3]);
  return d === 1 ? rng.int(0, 9) : d === 2 ? rng.int(10, 99) : rng.int(100, 999);
}

/** Two numbers that are often close (|a − b| ≤ 15), as a judge's distances are. */
function pair(rng: Rng): [number, number] {
  const a = number(rng);
  if (rng.next() < 0.3) return [a, number(rng)];
  const b = Math.max(0, a + rng.int(-15, 15));
  return rng.next() < 0.5 ? [a, b] : [b, a];
}

function addition(rng: Rng): CorpusDocument {
  const a = number(rng);
  const b = number(rng);
  return { kind: 'addition', text: `Add ${a} and ${b}. ${additionSteps(a, b)}`, facts: { result: a + b } };
}

function subtraction(rng: Rng): CorpusDocument {
  const [x, y] = pair(rng);
  const [a, b] = x >= y ? [x, y] : [y, x];
  return { kind: 'subtraction', text: `Take ${b} from ${a}. ${subtractionSteps(a, b)}`, facts: { result: a - b } };
}

function compare(rng: Rng): CorpusDocument {
  const [a, b] = pair(rng);
  const c = compareSteps(a, b);
  return { kind: 'compare', text: `Which is larger? ${c.text}`, facts: { order: c.order } };
}

function distance(rng: Rng): CorpusDocument {
  const [a, b] = pair(rng);
  const d = distanceSteps(a, b);
  return { kind: 'distance', text: `How far apart are ${a} and ${b}? ${d.text} The difference is ${d.distance}.`, facts: { distance: d.distance } };
}

function counting(rng: Rng): CorpusDocument {
  if (rng.next() < 0.6) {
    const s = plainSentence(rng, rng.int(3, 14));
    const words = countableWords(s);
    return { kind: 'counting', text: `How many words are in "${s}"? ${countingSteps(words)}`, facts: { count: words.length } };
  }
  const items = rng.shuffled(NOUNS).slice(0, rng.int(1, 10));
  return { kind: 'counting', text: `How many items are in this list: ${items.join(', ')}? ${countingSteps(items, 'items')}`, facts: { count: items.length } };
}

function limit(rng: Rng): CorpusDocument {
  const max = rng.int(2, 9);
  const n = Math.max(3, max + rng.int(-3, 7));
  const s = plainSentence(rng, Math.min(16, n));
  const words = countableWords(s);
  const d = distanceSteps(words.length, max);
  const verdict = d.order === '>' ? `That is ${d.distance} over.` : 'That is within.';
  const work = d.order === '>' ? d.text : compareSteps(words.length, max).text;
  return {
    kind: 'limit',
    text: `Is "${s}" at most ${max} words? The limit is ${max}. ${countingSteps(words)} ${work} ${verdict}`,
    facts: { count: words.length, over: Math.max(0, words.length - max) },
  };
}

function position(rng: Rng): CorpusDocument {
  const n = rng.int(2, 8);
  const what = rng.pick(['letters', 'digits', 'words'] as const);
  let first: string[];
  if (what === 'letters') first = rng.shuffled(LETTERS).slice(0, n);
  else if (what === 'digits') first = Array.from({ length: n }, () => String(rng.int(0, 9)));
  else first = rng.shuffled(NOUNS.filter((w) => w.length >= 3)).slice(0, Math.min(n, 6));
  const second = first.slice();
  const changes = rng.int(0, second.length);
  for (const i of rng.shuffled([...second.keys()]).slice(0, changes)) {
    if (what === 'words') second[i] = misspell(rng, first[i]!, NOUNS);
    else if (what === 'letters') second[i] = rng.pick(LETTERS.filter((x) => x !== first[i]));
    else second[i] = String((Number(first[i]) + rng.int(1, 9)) % 10);
  }
  // Either order: the first list may be the one with the changes.
  const [x, y] = rng.next() < 0.5 ? [second, first] : [first, second];
  const p = positionSteps(x, y);
  return { kind: 'position', text: `Compare ${x.join(' ')} with ${y.join(' ')}: ${p.text}`, facts: { differ: p.differ } };
}

const MAKERS: Record<CorpusKind, (rng: Rng) => CorpusDocument> = { addition, subtraction, compare, distance, counting, limit, position };

/** One document drawn by the mix (or of a given kind). */
export function corpusDocument(rng: Rng, kind?: CorpusKind): CorpusDocument {
  if (kind) return MAKERS[kind](rng);
  let u = rng.next();
  for (const k of CORPUS_KINDS) {
    u -= CORPUS_MIX[k];
    if (u < 0) return MAKERS[k](rng);
  }
  return MAKERS.position(rng);
}

export type CorpusSplit = 'train' | 'dev';

/** Documents [start, start + count) of the corpus of `seed`: each from its own RNG stream. */
export function corpusDocuments(seed: number | string, split: CorpusSplit, start: number, count: number): CorpusDocument[] {
  if (!Number.isInteger(start) || start < 0 || !Number.isInteger(count) || count < 0) throw new RangeError(`bad document range ${start}+${count}`);
  const out: CorpusDocument[] = [];
  for (let i = start; i < start + count; i++) out.push(corpusDocument(createRng(seed, `procedural/${split}/${i}`)));
  return out;
}
