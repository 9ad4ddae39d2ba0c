// Byte-level BPE training (our own code): count pre-tokens ("words") over the corpus, then
// repeatedly merge the most frequent adjacent pair of symbols, counting each word once per
// occurrence. Pair counts are kept incrementally: a merge only revisits the words that contain the
// pair, so training on the default Rubric Lab set takes well under a second.
// Ties between equally frequent pairs go to the smaller (left id, right id), so training is
// deterministic.
import { utf8, bytesToByteLevel } from './byteLevel.ts';
import { BPE_FIRST_BYTE_ID, BPE_FIRST_MERGE_ID, BpeTokenizer, preTokenize, type BpeMerge } from './bpe.ts';

export interface BpeTrainOptions {
  /** Final vocabulary size including the 3 specials and 256 bytes (default 1024; 512–2048 is typical). */
  vocabSize?: number;
  /** A pair must occur at least this often to be merged (default 2). */
  minFrequency?: number;
  name?: string;
}

const KEY = 65536;

export function trainBpe(texts: Iterable<string>, options: BpeTrainOptions = {}): BpeTokenizer {
  const vocabSize = options.vocabSize ?? 1024;
  const minFrequency = options.minFrequency ?? 2;
  if (!Number.isInteger(vocabSize) || vocabSize < BPE_FIRST_MERGE_ID || vocabSize > KEY) {
    throw new RangeError(`vocabSize must be an integer in ${BPE_FIRST_MERGE_ID}..${KEY}, got ${vocabSize}`);
  }

  // 1. Word frequencies.
  const wordCounts = new Map<string, number>();
  for (const text of texts) for (const w of preTokenize(text)) wordCounts.set(w, (wordCounts.get(w) ?? 0) + 1);
  const words: number[][] = [];
  const counts: number[] = [];
  for (const [w, c] of wordCounts) {
    words.push(Array.from(utf8(w), (b) => b + BPE_FIRST_BYTE_ID));
    counts.push(c);
  }

  // 2. Pair counts and where each pair occurs (the index may hold stale words; they are rechecked).
  const pairCount = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const addPairs = (w: number, sign: 1 | -1) => {
    const s = words[w]!;
    const c = counts[w]! * sign;
    for (let i = 0; i + 1 < s.length; i++) {
      const k = s[i]! * KEY + s[i + 1]!;
      const v = (pairCount.get(k) ?? 0) + c;
      if (v === 0) pairCount.delete(k);
      else pairCount.set(k, v);
      if (sign > 0) {
        let set = pairWords.get(k);
        if (!set) pairWords.set(k, (set = new Set()));
        set.add(w);
      }
    }
  };
  for (let w = 0; w < words.length; w++) addPairs(w, 1);

  // 3. Merge until the vocabulary is full or no pair is frequent enough.
  const merges: BpeMerge[] = [];
  const pieceId = new Map<string, number>(); // byte-level string of each token -> id
  const pieceOf: string[] = [];
  for (let b = 0; b < 256; b++) {
    pieceOf[BPE_FIRST_BYTE_ID + b] = bytesToByteLevel([b]);
    pieceId.set(pieceOf[BPE_FIRST_BYTE_ID + b]!, BPE_FIRST_BYTE_ID + b);
  }
  let nextId = BPE_FIRST_MERGE_ID;
  while (nextId < vocabSize) {
    let best = -1;
    let bestCount = 0;
    for (const [k, c] of pairCount) {
      if (c > bestCount || (c === bestCount && k < best)) {
        best = k;
        bestCount = c;
      }
    }
    if (best < 0 || bestCount < minFrequency) break;
    const left = Math.floor(best / KEY);
    const right = best % KEY;
    const piece = pieceOf[left]! + pieceOf[right]!;
    let id = pieceId.get(piece);
    if (id === undefined) {
      id = nextId++;
      pieceId.set(piece, id);
      pieceOf[id] = piece;
    }
    merges.push({ left, right, id });

    for (const w of pairWords.get(best) ?? []) {
      const s = words[w]!;
      let has = false;
      for (let i = 0; i + 1 < s.length; i++) if (s[i] === left && s[i + 1] === right) has = true;
      if (!has) continue;
      addPairs(w, -1);
      const merged: number[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === left && s[i + 1] === right) {
          merged.push(id);
          i++;
        } else merged.push(s[i]!);
      }
      words[w] = merged;
      addPairs(w, 1);
    }
    pairWords.delete(best);
    pairCount.delete(best);
  }
  return new BpeTokenizer(merges, options.name ?? `bpe-${nextId}`);
}
