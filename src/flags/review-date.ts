/**
 * A flag is valid through the whole of its review date (UTC) and lapses at
 * the next midnight: a flag nobody reviews is erased (DPA 2018 s.39, data
 * kept no longer than necessary).
 */
export function reviewDeadline(reviewDate: string): number {
  const start = Date.parse(`${reviewDate}T00:00:00.000Z`);
  if (Number.isNaN(start)) throw new TypeError('review date must be YYYY-MM-DD');
  return start + 24 * 3600 * 1000;
}
