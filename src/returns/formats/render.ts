import { HubError } from '../../errors.js';
import type { SchemeReturn } from '../scheme-return.js';
import { returnCsv } from './return-csv.js';
import { returnJson } from './return-json.js';
import { returnXlsx } from './return-xlsx.js';

export const RETURN_FORMATS = ['json', 'csv', 'xlsx'] as const;
export type ReturnFormat = (typeof RETURN_FORMATS)[number];

const CONTENT_TYPES: Record<ReturnFormat, string> = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8; header=present',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export function parseReturnFormat(value: unknown): ReturnFormat {
  if (value === undefined) return 'json';
  if (typeof value === 'string' && (RETURN_FORMATS as readonly string[]).includes(value)) return value as ReturnFormat;
  throw new HubError('RETURN_FORMAT_INVALID', 'unknown return format', { expected: RETURN_FORMATS.join(', ') });
}

export async function renderReturn(schemeReturn: SchemeReturn, format: ReturnFormat): Promise<{ body: Buffer; contentType: string; fileName: string }> {
  const body = format === 'xlsx' ? await returnXlsx(schemeReturn) : Buffer.from(format === 'csv' ? returnCsv(schemeReturn) : returnJson(schemeReturn), 'utf8');
  return { body, contentType: CONTENT_TYPES[format], fileName: `scheme-return-${schemeReturn.period.id}-r${schemeReturn.revision.number}.${format}` };
}
