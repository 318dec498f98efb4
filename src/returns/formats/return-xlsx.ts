import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { STRANDS } from '../person.js';
import type { SchemeReturn } from '../scheme-return.js';
import { returnRows, type ReturnRow } from './return-rows.js';

/**
 * The return as an Excel workbook, the form the programme's returns took:
 * a sheet for the scheme, one per strand, and the definitions. The
 * workbook's dates (its properties and every file in the zip) are the
 * period's last day, so the same return gives the same bytes.
 */
const SHEET_NAMES: Record<string, string> = {
  scheme: 'Scheme',
  'prevent-and-deter': 'Prevent and Deter',
  'catch-and-convict': 'Catch and Convict',
  'rehabilitate-and-resettle': 'Rehabilitate and Resettle',
};

export async function returnXlsx(schemeReturn: SchemeReturn): Promise<Buffer> {
  const fixed = new Date(`${schemeReturn.period.end}T00:00:00Z`);
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'isp-hub';
  workbook.created = fixed;
  workbook.modified = fixed;
  const rows = returnRows(schemeReturn);
  for (const scope of ['scheme', ...STRANDS]) addCellsSheet(workbook, SHEET_NAMES[scope]!, schemeReturn, rows.filter((row) => row.scope === scope));
  addDefinitions(workbook, schemeReturn);
  const written = Buffer.from(await workbook.xlsx.writeBuffer());
  const zip = await JSZip.loadAsync(written);
  zip.forEach((_, file) => {
    file.date = fixed;
  });
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', platform: 'UNIX' });
}

function addCellsSheet(workbook: ExcelJS.Workbook, name: string, schemeReturn: SchemeReturn, rows: ReturnRow[]): void {
  const sheet = workbook.addWorksheet(name);
  sheet.addRow([`${schemeReturn.scheme} PPO scheme return ${schemeReturn.period.id} (${schemeReturn.period.start} to ${schemeReturn.period.end}): ${name}`]);
  sheet.addRow([`Ledger position ${schemeReturn.ledgerPosition}, revision ${schemeReturn.revision.number}, policy ${schemeReturn.policyVersion.slice(0, 12)}`]);
  sheet.addRow([]);
  const header = sheet.addRow(['measure_id', 'measure', 'breakdown', 'unit', 'value', 'note']);
  header.font = { bold: true };
  for (const row of rows) {
    // Published numbers as numbers, so a scheme manager can chart them; symbols stay text.
    const numeric = /^-?\d+(\.\d+)?$/.test(row.value) ? Number(row.value) : row.value;
    sheet.addRow([row.measureId, row.measure, row.breakdown, row.unit, numeric, row.note]);
  }
  sheet.columns.forEach((column, index) => {
    column.width = [44, 60, 34, 9, 9, 50][index] ?? 12;
  });
}

function addDefinitions(workbook: ExcelJS.Workbook, schemeReturn: SchemeReturn): void {
  const sheet = workbook.addWorksheet('Definitions');
  const header = sheet.addRow(['measure', 'title', 'definition', 'fed by']);
  header.font = { bold: true };
  for (const measure of schemeReturn.measures) sheet.addRow([measure.id, measure.title, measure.definition, measure.feeds.join(', ')]);
  sheet.addRow([]);
  const rules = schemeReturn.disclosureControl;
  sheet.addRow(['disclosure control', `Counts 1 to ${rules.suppressBelow - 1} are shown as <${rules.suppressBelow}; [c] is withheld so a small count cannot be worked out from a total; [x] is not published (denominator under ${rules.minDenominator}, fewer than ${rules.minMedianValues} values, a before/after comparison on a cohort under ${rules.minComparisonCohort}, or resting on a withheld count); [z] is not applicable.`]);
  sheet.getColumn(1).width = 24;
  sheet.getColumn(2).width = 40;
  sheet.getColumn(3).width = 100;
  sheet.getColumn(4).width = 60;
  sheet.getColumn(3).alignment = { wrapText: true, vertical: 'top' };
}
