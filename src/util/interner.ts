// Strings to dense indices, in first-seen order: the dictionaries of session blocks (days, dates, track ids).
export class Interner {
  readonly values: string[] = [];
  private readonly map = new Map<string, number>();
  index(v: string): number {
    let i = this.map.get(v);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(v);
      this.map.set(v, i);
    }
    return i;
  }
}
