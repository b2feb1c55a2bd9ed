// A categorical vocabulary looked up from bytes: a field's length and first and last bytes pick the one word it can
// be, and one comparison says whether it is. Trying each word in turn cost a tenth of the parser's time.
const SLOTS = 1024;
const EMPTY = -1;
/** Two words share the slot: they are tried in turn. */
const SHARED = -2;

const slotOf = (length: number, first: number, last: number): number => (Math.imul(length, 0x9e3779b1) ^ (first << 5) ^ (last * 3)) & (SLOTS - 1);

export class VocabBytes {
  private readonly words: Uint8Array[];
  private readonly views: DataView[];
  private readonly slots = new Int16Array(SLOTS).fill(EMPTY);

  constructor(vocab: readonly string[]) {
    this.words = vocab.map((w) => Buffer.from(w));
    this.views = this.words.map((w) => new DataView(w.buffer, w.byteOffset, w.length));
    this.words.forEach((w, k) => {
      const s = slotOf(w.length, w[0], w[w.length - 1]);
      this.slots[s] = this.slots[s] === EMPTY ? k : SHARED;
    });
  }

  /**
   * The index of the word in buf[a, b), else the vocabulary's length: the "other" slot, as vocabIndex gives. `view`:
   * a DataView of buf.
   */
  indexOf(buf: Uint8Array, view: DataView, a: number, b: number): number {
    const words = this.words;
    if (b <= a) return words.length; // no word is empty
    const k = this.slots[slotOf(b - a, buf[a], buf[b - 1])];
    if (k === EMPTY) return words.length;
    if (k !== SHARED) return equalWord(buf, view, a, b, words[k], this.views[k]) ? k : words.length;
    for (let j = 0; j < words.length; j++) if (equalBytes(buf, a, b, words[j])) return j;
    return words.length;
  }
}

/** equalBytes, four bytes at a time. */
function equalWord(buf: Uint8Array, view: DataView, a: number, b: number, word: Uint8Array, wordView: DataView): boolean {
  const n = word.length;
  if (b - a !== n) return false;
  let i = 0;
  for (; i + 4 <= n; i += 4) if (view.getInt32(a + i) !== wordView.getInt32(i)) return false;
  for (; i < n; i++) if (buf[a + i] !== word[i]) return false;
  return true;
}

export function equalBytes(buf: Uint8Array, a: number, b: number, word: Uint8Array): boolean {
  if (b - a !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (buf[a + i] !== word[i]) return false;
  return true;
}
