import { baseDirection, hasRtl, visualRuns } from 'src/pdf/bidi';

// fontkit reverses the glyphs of a run whose first letter is Arabic: `visualRuns` hands it such
// runs in logical order, and any other right-to-left run already reversed.
describe('visualRuns', () => {
  it.each([
    ['French alone', 'Rapport d’audit : 81,23 %', [['Rapport d’audit : 81,23 %', 'ltr']]],
    [
      'Arabic alone, given to fontkit as written',
      'مركز النداء الدار البيضاء',
      [['مركز النداء الدار البيضاء', 'rtl']],
    ],
    [
      'a number inside Arabic, kept left to right on its left',
      'الطابق 12',
      [
        ['12', 'ltr'],
        ['الطابق ', 'rtl'],
      ],
    ],
    [
      'a decimal number inside Arabic, its sign after a space going to its left (UAX #9)',
      'النتيجة 81,23 %',
      [
        ['% ', 'rtl'],
        ['81,23', 'ltr'],
        ['النتيجة ', 'rtl'],
      ],
    ],
    [
      'a percentage glued to its number inside Arabic',
      'النتيجة 81,23%',
      [
        ['81,23%', 'ltr'],
        ['النتيجة ', 'rtl'],
      ],
    ],
    [
      'an Arabic name inside a French line, in its place',
      'Site : مركز النداء (Casablanca)',
      [
        ['Site : ', 'ltr'],
        ['مركز النداء', 'rtl'],
        [' (Casablanca)', 'ltr'],
      ],
    ],
    [
      'two Arabic words around a number in a French line, in reading order',
      'Site مركز 2 الدار',
      [
        ['Site ', 'ltr'],
        [' الدار', 'rtl'],
        ['2', 'ltr'],
        ['مركز ', 'rtl'],
      ],
    ],
    ['brackets mirrored in Arabic', 'مركز (الدار)', [['مركز )الدار(', 'rtl']]],
    [
      'a French word inside Arabic',
      'مركز ATLAS الدار',
      [
        [' الدار', 'rtl'],
        ['ATLAS', 'ltr'],
        ['مركز ', 'rtl'],
      ],
    ],
    [
      'Arabic-Indic digits, reversed beforehand since fontkit reverses them',
      'Score ١٢',
      [
        ['Score ', 'ltr'],
        ['٢١', 'ltr'],
      ],
    ],
  ])('orders %s', (_, line, expected) => {
    expect(visualRuns(line).map((run) => [run.text, run.direction])).toEqual(expected);
  });

  it('gives no run for an empty line', () => {
    expect(visualRuns('')).toEqual([]);
  });

  it('keeps every character of the line', () => {
    const line = 'Site : مركز النداء (الدار البيضاء) — 2026 « E05 »';
    const chars = (text: string) => Array.from(text).sort().join('');
    const mirror = (text: string) => text.replace(/[()]/g, '');

    expect(
      chars(
        mirror(
          visualRuns(line)
            .map((r) => r.text)
            .join(''),
        ),
      ),
    ).toBe(chars(mirror(line)));
  });
});

describe('baseDirection', () => {
  it.each([
    ['Casablanca', 'ltr'],
    ['مركز', 'rtl'],
    ['2026 — مركز Casablanca', 'rtl'],
    ['« Casa » مركز', 'ltr'],
    ['12 / 100', 'ltr'],
  ] as const)('of %s is %s', (text, direction) => {
    expect(baseDirection(text)).toBe(direction);
  });

  it('falls back to the given direction without a letter', () => {
    expect(baseDirection('12,5', 'rtl')).toBe('rtl');
  });
});

describe('hasRtl', () => {
  it.each([
    ['Rapport d’audit', false],
    ['مركز', true],
    ['Site ﻣﺮﻛﺰ', true], // presentation forms
    ['٢٠٢٦', true],
  ])('of %s is %s', (text, expected) => {
    expect(hasRtl(text)).toBe(expected);
  });
});
