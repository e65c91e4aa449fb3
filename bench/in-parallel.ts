/** Runs `work` over `items` with at most `width` at once. */
export async function inParallel<T>(
  items: readonly T[],
  width: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, width) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}
