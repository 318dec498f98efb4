import type { Strand } from './person.js';

/**
 * The figures a measure computes, before disclosure control. A count is a
 * number of people or events; a derived figure (a percentage, a rate, a
 * median) is computed from counts or values and is published only when the
 * counts it rests on are. Counts add up: the strands' counts are parts of the
 * scheme's, and each breakdown's categories are parts of the scheme's total.
 */
export type Unit = 'people' | 'events' | 'percent' | 'days' | 'rate';
export type Scope = 'scheme' | Strand;

export interface CountFigure {
  kind: 'count';
  metric: string;
  label: string;
  unit: 'people' | 'events';
  scheme: number;
  /** Present when the count is split by strand (parts of `scheme`). */
  strands?: Record<Strand, number>;
  /** Present when the count is split by one more dimension (parts of `scheme`). */
  breakdown?: { dimension: string; categories: Array<{ category: string; value: number }> };
}

export interface DerivedValue {
  value: number | undefined;
  /** The counts it rests on: the metrics, in the same scope, whose suppression withholds it. */
  numerator?: string;
  denominator?: string;
  /** How many values a median was taken over. */
  values?: number;
  /** A before/after comparison: the size of the cohort compared. */
  comparisonCohort?: number;
}

export interface DerivedFigure {
  kind: 'derived';
  metric: string;
  label: string;
  unit: 'percent' | 'days' | 'rate';
  scheme: DerivedValue;
  strands?: Record<Strand, DerivedValue>;
  breakdown?: { dimension: string; categories: Array<{ category: string } & DerivedValue> };
}

export type Figure = CountFigure | DerivedFigure;

/** A published cell of a return, after disclosure control. */
export interface Cell {
  measureId: string;
  metric: string;
  label: string;
  unit: Unit;
  /** `all`, `strand=<code>` or `<dimension>=<category>`. */
  breakdown: string;
  scope: Scope;
  /** The number published, or null when it is withheld. */
  value: number | null;
  /** What the return shows: the number, `<5`, `[c]` (withheld so a small count cannot be worked out) or `[x]` (not published). */
  display: string;
  note: string;
}
