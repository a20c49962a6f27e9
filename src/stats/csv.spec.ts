import { csvCell, toCsv, UTF8_BOM } from 'src/stats/csv';

describe('csvCell', () => {
  it.each([
    ['plain text', 'Casablanca', 'Casablanca'],
    ['accents', 'Fès-Meknès', 'Fès-Meknès'],
    ['a comma', 'Appels, Maroc', '"Appels, Maroc"'],
    ['double quotes, doubled', 'Le "Plateau"', '"Le ""Plateau"""'],
    ['a line feed', 'ligne 1\nligne 2', '"ligne 1\nligne 2"'],
    ['a CRLF', 'ligne 1\r\nligne 2', '"ligne 1\r\nligne 2"'],
    ['an empty string', '', ''],
    ['a formula with =', '=HYPERLINK("x")', '"\'=HYPERLINK(""x"")"'],
    ['a formula with +', '+212 600', "'+212 600"],
    ['a formula with -', '-2+3', "'-2+3"],
    ['a formula with @', '@SUM(A1)', "'@SUM(A1)"],
    ['a leading tab', '\tx', "'\tx"],
    ['an equals sign inside', 'a=b', 'a=b'],
  ])('writes %s as %p', (_, value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it.each([
    [null, ''],
    [undefined, ''],
    [0, '0'],
    [-1.5, '-1.5'],
  ])('writes %p as %p, numbers without the formula guard', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });
});

describe('toCsv', () => {
  it('starts with a BOM, puts the header first and ends every record with CRLF', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          ['1', null],
          ['x,y', 2],
        ],
      ),
    ).toBe(`${UTF8_BOM}a,b\r\n1,\r\n"x,y",2\r\n`);
  });

  it('writes only the header when there are no rows', () => {
    expect(toCsv(['site'], [])).toBe(`${UTF8_BOM}site\r\n`);
  });
});
