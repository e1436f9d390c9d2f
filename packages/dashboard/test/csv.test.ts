import { describe, expect, it } from 'vitest';
import { csvFileName, toCsv, toCsvSections } from '../src/format/csv.js';

describe('toCsv', () => {
  it('writes RFC 4180 rows with CRLF and quotes where needed', () => {
    expect(toCsv({ columns: ['page', 'visitors'], rows: [['/a', 1], ['/b,c', 2], ['say "hi"', 3], ['two\nlines', 4]] })).toBe(
      'page,visitors\r\n/a,1\r\n"/b,c",2\r\n"say ""hi""",3\r\n"two\nlines",4\r\n',
    );
  });

  it('defuses values a spreadsheet would run as formulas', () => {
    const csv = toCsv({ columns: ['page'], rows: [['=HYPERLINK("http://evil","x")'], ['+1'], ['@SUM(A1)'], ['-2+3']] });
    expect(csv.split('\r\n').slice(1, 5)).toEqual([`"'=HYPERLINK(""http://evil"",""x"")"`, "'+1", "'@SUM(A1)", "'-2+3"]);
  });

  it('keeps negative numbers as numbers and empties as empty', () => {
    expect(toCsv({ columns: ['a', 'b', 'c'], rows: [[-5, null, Number.NaN]] })).toBe('a,b,c\r\n-5,,\r\n');
  });
});

describe('toCsvSections', () => {
  it('titles each table and separates them with a blank line', () => {
    const csv = toCsvSections([
      { title: 'totals', table: { columns: ['metric', 'value'], rows: [['pageviews', 3]] } },
      { title: 'pages', table: { columns: ['page'], rows: [['/']] } },
    ]);
    expect(csv).toBe('# totals\r\nmetric,value\r\npageviews,3\r\n\r\n# pages\r\npage\r\n/\r\n');
  });
});

describe('csvFileName', () => {
  it('makes a safe file name from free text', () => {
    expect(csvFileName('liveinsight', 'Shop.Example', '7d', 'pages')).toBe('liveinsight_shop.example_7d_pages.csv');
    expect(csvFileName('liveinsight', '../../etc/<x>', 'all')).toBe('liveinsight_..-..-etc-x_all.csv');
  });
});
