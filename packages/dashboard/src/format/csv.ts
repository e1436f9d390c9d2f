export type Cell = string | number | boolean | null | undefined;

export interface Table {
  columns: string[];
  rows: Cell[][];
}

/**
 * Tracked page URLs and referrers are chosen by whoever sends events, so a value such as
 * `=HYPERLINK(…)` would run as a formula in a spreadsheet (CSV injection). Text starting
 * with one of these characters gets a leading apostrophe, which spreadsheets hide.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

function cell(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180: comma separated, CRLF line ends, quotes doubled. */
export function toCsv(table: Table): string {
  return [table.columns, ...table.rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** Several tables in one file, each under a `# title` line and separated by a blank line. */
export function toCsvSections(sections: { title: string; table: Table }[]): string {
  return sections.map(({ title, table }) => `${cell(`# ${title}`)}\r\n${toCsv(table)}`).join('\r\n');
}

/** A file name safe on every OS, from free text such as a site id. */
export function csvFileName(...parts: string[]): string {
  const base = parts
    .map((part) => part.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^-+|-+$/g, ''))
    .filter(Boolean)
    .join('_');
  return `${base || 'liveinsight'}.csv`;
}

/** Saves text as a file through a blob URL: no request leaves the page. */
export function downloadCsv(fileName: string, csv: string, doc: Document = document): void {
  // The byte-order mark makes Excel read the file as UTF-8.
  const blob = new Blob(['\ufeff', csv], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const link = doc.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  doc.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
