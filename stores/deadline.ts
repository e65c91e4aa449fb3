/**
 * How long a store's `ping` waits for its service. Under the readiness route's own bound (3 s), so
 * what /health/ready shows for a service that does not answer is the store's explanation.
 */
export const pingTimeoutMs = 2_500;

/**
 * `work`, or once `ms` pass without it settling, a rejection saying that `what` did not answer. For
 * clients without a deadline of their own: `work` itself is not cancelled, only no longer waited for.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
