// Notes that many files can raise (an old format, a guessed date order) are said once per run, not once per file. A
// run is known by its sink, the function its lines go to: each sink hears a topic once, so a second run in the same
// process (a test, the demo) is told again.
type Sink = (line: string) => void;

const told = new WeakMap<Sink, Set<string>>();

/** Says `line` to `sink` unless this sink has already heard `topic`. */
export function tellOnce(sink: Sink, topic: string, line: string): void {
  const topics = told.get(sink) ?? new Set<string>();
  if (topics.has(topic)) return;
  topics.add(topic);
  told.set(sink, topics);
  sink(line);
}

/** A sink to stderr that stays the same function, so defaults to it are told once per process. */
export const toStderr: Sink = (line) => console.error(line);
