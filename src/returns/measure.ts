import type { Figure } from './cells.js';
import type { Timeliness } from './person-index.js';
import type { Period } from './period.js';
import type { Person, Strand } from './person.js';

/** What every measure is given: the period, the people, and the data-quality tallies. */
export interface MeasureContext {
  period: Period;
  /** The period just before, of the same length (for before/after comparisons). */
  previous: Period;
  people: readonly Person[];
  /** People active in the period, each with the strand they count in. */
  active: ReadonlyArray<{ person: Person; strand: Strand }>;
  timeliness: Timeliness;
}

export interface MeasureDefinition {
  id: string;
  title: string;
  /** What is counted and how, in words a scheme manager can check against the figures. */
  definition: string;
  /** The message types whose facts feed it. */
  feeds: readonly string[];
  /** The strand sheet the measure belongs on in a workbook, or every strand. */
  compute(context: MeasureContext): Figure[];
}
