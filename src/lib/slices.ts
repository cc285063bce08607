/**
 * Long loops on the event loop give way between slices: `await pace()` inside
 * the loop yields (setImmediate, so pending I/O runs first) once the current
 * slice has taken `budgetMs`. A fleet-wide recompute then never holds the loop
 * for more than about one slice.
 */
export function pacer(budgetMs = 15): () => Promise<void> | undefined {
  let start = performance.now();
  return () => {
    if (performance.now() - start < budgetMs) return undefined;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        start = performance.now();
        resolve();
      }),
    );
  };
}

/**
 * A pacer for steps that do not know the loop they run in: each call is one
 * step (a synchronous SQLite query, say), and calls that follow each other
 * without the event loop turning (a chain of awaits on settled promises, or
 * many I/O callbacks of one poll phase) make one stretch. The first step of a
 * stretch notes the time and queues an immediate that ends the stretch when
 * the loop next turns; a step that finds its stretch past `budgetMs` gets a
 * promise to await that resolves on the next turn (setImmediate, after the
 * pending I/O), where a new stretch begins.
 */
export function stretchPacer(budgetMs = 15): () => Promise<void> | undefined {
  let start: number | null = null;
  const end = () => {
    start = null;
  };
  return () => {
    if (start === null) {
      start = performance.now();
      setImmediate(end);
      return undefined;
    }
    if (performance.now() - start < budgetMs) return undefined;
    // Queued after `end`: the stretch is over when this resolves.
    return new Promise<void>((resolve) => setImmediate(resolve));
  };
}
