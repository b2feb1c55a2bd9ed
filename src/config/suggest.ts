// "Did you mean model.hidden?" for unknown config keys and unknown config names.

/** Edit distance (insertions, deletions, substitutions), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      const substitution = previous[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[t.length];
}

const lastSegment = (path: string) => path.slice(path.lastIndexOf('.') + 1);

/**
 * The known key closest to `wanted`, or undefined when nothing is close. Compares whole dotted paths and also the
 * last segments, so a key put in the wrong section (`hidden`, `model.lr`) still finds `model.hidden`, `train.lr`.
 */
export function closestKey(wanted: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const candidate of known) {
    const whole = editDistance(wanted, candidate);
    // A wrong section costs a little more than a typo in the right place.
    const leaf = editDistance(lastSegment(wanted), lastSegment(candidate)) + 1;
    const score = Math.min(whole, leaf);
    if (score < bestScore) {
      bestScore = score;
      best = candidate;
    }
  }
  const tolerance = Math.max(2, Math.floor(lastSegment(wanted).length / 3)) + 1;
  return bestScore <= tolerance ? best : undefined;
}
