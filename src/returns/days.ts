const known = new Map<string, number>();

/**
 * Calendar days as whole numbers (days since 1970-01-01, UTC), so intervals
 * are subtraction. Remembered: a ledger holds a million facts but only a few
 * thousand distinct days.
 */
export function dayNumber(date: string): number {
  const day = date.length === 10 ? date : date.slice(0, 10);
  let number = known.get(day);
  if (number === undefined) {
    number = Math.floor(Date.parse(`${day}T00:00:00Z`) / 86_400_000);
    if (known.size < 100_000) known.set(day, number);
  }
  return number;
}

export function dayString(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/** The middle value (the mean of the two middle ones for an even count); undefined for none. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
