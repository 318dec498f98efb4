/**
 * Reads `--name N` from a benchmark's command line: N when given, else the
 * fallback. Anything but a positive number is refused at once, naming the
 * option, rather than running a benchmark on NaN.
 */
export function positiveNumberOption(name: string, fallback: number, argv: readonly string[] = process.argv.slice(2)): number {
  const index = argv.indexOf(`--${name}`);
  const parsed = index >= 0 ? Number(argv[index + 1]) : fallback;
  if (!Number.isFinite(parsed) || parsed <= 0) throw new TypeError(`--${name} must be a positive number`);
  return parsed;
}
