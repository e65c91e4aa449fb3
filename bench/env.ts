/** A benchmark's whole-number setting from the environment: `fallback` when unset, an error when not above 0. */
export function wholeNumberFromEnv(name: string, fallback: number | undefined): number | undefined {
  const text = process.env[name]?.trim();
  if (!text) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new Error(`${name} must be a whole number above 0`);
  return Number(text);
}
