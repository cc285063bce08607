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
