// A small deterministic text corpus built in the page (nothing is downloaded): short
// TinyStories-like sentences from a fixed word list and a seeded generator, so every engine and
// every run trains on the same text. Token ids only steer which embedding rows are touched; the
// cost of a training step depends on the shape, not on the text.
import { Rng } from '../../../model/rng.ts';

/** The project's seeded generator as a function. */
function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

const NAMES = ['Lily', 'Tom', 'Sam', 'Mia', 'Ben', 'Anna', 'Max', 'Zoe'];
const ANIMALS = ['cat', 'dog', 'bird', 'fish', 'frog', 'bunny', 'bear', 'duck'];
const THINGS = ['ball', 'box', 'tree', 'cake', 'kite', 'boat', 'hat', 'flower', 'book', 'car'];
const ADJ = ['big', 'small', 'red', 'happy', 'shiny', 'soft', 'funny', 'old', 'blue', 'kind'];
const VERBS = ['found', 'saw', 'liked', 'wanted', 'made', 'lost', 'shared', 'painted'];
const PLACES = ['park', 'garden', 'house', 'forest', 'beach', 'school'];
const FEEL = ['happy', 'sad', 'surprised', 'proud', 'sleepy', 'excited'];

/** `paragraphs` short stories, each a few sentences; about 250 characters per paragraph. */
export function benchCorpus(paragraphs = 400, seed = 1234): string[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const out: string[] = [];
  for (let p = 0; p < paragraphs; p++) {
    const name = pick(NAMES);
    const animal = pick(ANIMALS);
    const s: string[] = [`Once upon a time, there was a ${pick(ADJ)} ${animal} named ${name}.`];
    const n = 2 + Math.floor(r() * 3);
    for (let i = 0; i < n; i++) {
      switch (Math.floor(r() * 4)) {
        case 0:
          s.push(`${name} ${pick(VERBS)} a ${pick(ADJ)} ${pick(THINGS)} in the ${pick(PLACES)}.`);
          break;
        case 1:
          s.push(`"Look at the ${pick(THINGS)}!" said ${name}. The ${animal} was ${pick(FEEL)}.`);
          break;
        case 2:
          s.push(`One day, ${name} and a ${pick(ANIMALS)} went to the ${pick(PLACES)} to play.`);
          break;
        default:
          s.push(`They ${pick(VERBS)} the ${pick(THINGS)} together, and ${name} felt ${pick(FEEL)}.`);
      }
    }
    s.push('The end.');
    out.push(s.join(' '));
  }
  return out;
}
