// Worked procedures written out in steps a small language model can take one token-local
// operation at a time. The pretraining corpus (corpus.ts) is made of them, and Rubric Lab's
// reference chains of thought use the very same formats, so a base pretrained on the corpus
// already knows every step a judge CoT takes; fine-tuning only has to learn where in the prompt
// the operands are and how the rubric maps the result to a score.
//
// Every step reads at most two digits (or two items) it can copy from nearby text plus one carry,
// borrow or counter it wrote itself a few tokens before:
//   column addition     "47+38: 7+8=15 carry 1, 4+3+1=8, so 47+38=85."
//   column subtraction  "91-85: 1-5 borrow, 11-5=6, 9-1-8=0, so 91-85=6."
//   comparison          "Compare 86 and 85: 8=8, 6>5, so 86>85."
//   distance            comparison, then the larger minus the smaller: "… so 86-85=1."
//   counting            "Counting: The 1, red 2, bird 3, so 3 words."
//   position check      "a a ok, c f no 1, f c no 2, so 2 differ."
// The formats are terse on purpose: every digit is its own token and a space before one costs
// another, so "9 - 7 = 2" is twice as long as "9-7=2" for a model whose context is a few hundred
// tokens.

/** The decimal digits of n ≥ 0, least significant first. */
function digitsLow(n: number): number[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`expected an integer ≥ 0, got ${n}`);
  const out: number[] = [];
  do {
    out.push(n % 10);
    n = Math.floor(n / 10);
  } while (n > 0);
  return out;
}

/** Column addition of a + b (integers ≥ 0), ones first; a column that reaches 10 says it carries. */
export function additionSteps(a: number, b: number): string {
  const da = digitsLow(a);
  const db = digitsLow(b);
  const n = Math.max(da.length, db.length);
  const parts: string[] = [];
  let carry = 0;
  for (let i = 0; i < n; i++) {
    const x = da[i] ?? 0;
    const y = db[i] ?? 0;
    const sum = x + y + carry;
    const expr = carry ? `${x}+${y}+${carry}` : `${x}+${y}`;
    parts.push(sum >= 10 && i < n - 1 ? `${expr}=${sum} carry 1` : `${expr}=${sum}`);
    carry = sum >= 10 ? 1 : 0;
  }
  return `${a}+${b}: ${parts.join(', ')}, so ${a}+${b}=${a + b}.`;
}

/**
 * Column subtraction a − b for a ≥ b ≥ 0, ones first. A column that cannot subtract borrows from
 * the next and says so; a missing digit of b is 0.
 */
export function subtractionSteps(a: number, b: number): string {
  if (b > a) throw new RangeError(`subtractionSteps needs a ≥ b, got ${a}-${b}`);
  const da = digitsLow(a);
  const db = digitsLow(b);
  const parts: string[] = [];
  let borrow = 0;
  for (let i = 0; i < da.length; i++) {
    const x = da[i]!;
    const y = db[i] ?? 0;
    const expr = borrow ? `${x}-1-${y}` : `${x}-${y}`;
    if (x - borrow < y) {
      parts.push(`${expr} borrow, 1${expr}=${10 + x - borrow - y}`);
      borrow = 1;
    } else {
      parts.push(`${expr}=${x - borrow - y}`);
      borrow = 0;
    }
  }
  return `${a}-${b}: ${parts.join(', ')}, so ${a}-${b}=${a - b}.`;
}

export type Order = '>' | '<' | '=';

/** Which of a and b is larger: by digit count, else digit by digit from the left. */
export function compareSteps(a: number, b: number): { text: string; order: Order } {
  const sa = String(a);
  const sb = String(b);
  const order: Order = a > b ? '>' : a < b ? '<' : '=';
  if (sa.length !== sb.length) {
    return { text: `Compare ${a} and ${b}: ${sa.length} digits vs ${sb.length}, so ${a}${order}${b}.`, order };
  }
  const parts: string[] = [];
  for (let i = 0; i < sa.length; i++) {
    const o = sa[i] === sb[i] ? '=' : sa[i]! > sb[i]! ? '>' : '<';
    parts.push(`${sa[i]}${o}${sb[i]}`);
    if (o !== '=') break;
  }
  return { text: `Compare ${a} and ${b}: ${parts.join(', ')}, so ${a}${order}${b}.`, order };
}

/** |a − b| worked out: the comparison, then (unless equal) the larger minus the smaller. */
export function distanceSteps(a: number, b: number): { text: string; distance: number; order: Order } {
  const c = compareSteps(a, b);
  if (c.order === '=') return { text: c.text, distance: 0, order: c.order };
  const [hi, lo] = c.order === '>' ? [a, b] : [b, a];
  return { text: `${c.text} ${subtractionSteps(hi, lo)}`, distance: hi - lo, order: c.order };
}

/** The words of a text as counted: letter/digit runs, punctuation dropped ("mat." → "mat"). */
export function countableWords(text: string): string[] {
  return text
    .split(/\s+/)
    .map((w) => w.replace(/[^\p{L}\p{N}'-]/gu, ''))
    .filter((w) => /[\p{L}\p{N}]/u.test(w));
}

/** "Counting: The 1, red 2, bird 3, so 3 words." `noun` names what is counted. */
export function countingSteps(items: readonly string[], noun = 'words'): string {
  if (items.length === 0) return `Counting: none, so 0 ${noun}.`;
  return `Counting: ${items.map((w, i) => `${w} ${i + 1}`).join(', ')}, so ${items.length} ${noun}.`;
}

/**
 * Item i of `first` against item i of `second`, with a running count of the differences:
 * "a a ok, c f no 1, f c no 2, so 2 differ." Missing items are written "-".
 */
export function positionSteps(first: readonly string[], second: readonly string[]): { text: string; differ: number } {
  const n = Math.max(first.length, second.length);
  let differ = 0;
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = first[i] ?? '-';
    const y = second[i] ?? '-';
    parts.push(x === y ? `${x} ${y} ok` : `${x} ${y} no ${++differ}`);
  }
  return { text: `${parts.join(', ')}, so ${differ} differ.`, differ };
}
