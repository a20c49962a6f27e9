import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { create } from 'fontkit';
import { defaultFontSet, FONT_FILES, findFontsDir, parsedFont } from 'src/pdf/pdf-fonts';

const ROOT = resolve(__dirname, '..', '..');
const FONTS = join(ROOT, 'templates', 'fonts');

describe('findFontsDir', () => {
  it.each([
    ['the sources, under Jest', join(ROOT, 'src', 'pdf')],
    ['the build, in production', join(ROOT, 'dist', 'src', 'pdf')],
  ])('finds templates/fonts from %s', (_, start) => {
    expect(findFontsDir(start)).toBe(FONTS);
  });

  it('says where it looked when there are no fonts', () => {
    expect(() => findFontsDir(join(tmpdir(), 'no-such-project', 'dist'))).toThrow(
      /PDF fonts not found: no DejaVuSans-Subset\.ttf in .*no-such-project.*scripts\/subset-fonts\.sh/,
    );
  });
});

describe('the font subsets', () => {
  const fonts = defaultFontSet();
  const codePoints = (text: string) => Array.from(text).map((c) => c.codePointAt(0) ?? 0);

  it.each(['regular', 'bold'] as const)(
    'cover French, English and Arabic typography in %s',
    (face) => {
      const font = create(fonts[face]);
      const text =
        'AZaz09 àâæçéèêëîïôœùûüÿ ÀÂÆÇÉÈÊËÎÏÔŒÙÛÜŸ ’‘“”«»‹› \u00A0\u202F…–—•·≥≤≠−×✔✘✓✗€№ᵉ²' +
        'ابتثجحخدذرزسشصضطظعغفقكلمنهوي ءآأؤإئة ،؛؟ ٠١٢٣٤٥٦٧٨٩ ﻻ';
      const missing = codePoints(text).filter((c) => !font.hasGlyphForCodePoint(c));

      expect(missing.map((c) => c.toString(16))).toEqual([]);
    },
  );

  it('keep the shaping tables: an Arabic letter takes its joined forms', () => {
    const font = parsedFont(fonts.regular);
    const glyph = (text: string, index: number) => font.layout(text).glyphs[index].id;
    const isolated = glyph('ب', 0);

    // fontkit lays Arabic right to left: the last glyph is the first letter
    expect(glyph('بب', 1)).not.toBe(isolated); // initial form
    expect(glyph('ببب', 1)).not.toBe(isolated); // medial form
    expect(glyph('بب', 0)).not.toBe(isolated); // final form
    expect(font.layout('لا').glyphs).toHaveLength(1); // lam-alef ligature
  });

  it('are a fraction of the full fonts', () => {
    for (const file of Object.values(FONT_FILES)) {
      expect(readFileSync(join(FONTS, file)).length).toBeLessThan(150_000);
    }
  });

  it('ship with the DejaVu licence', () => {
    const licence = readFileSync(join(FONTS, 'LICENSE-DejaVu.txt'), 'utf8');

    expect(licence).toContain('Bitstream');
    expect(existsSync(join(ROOT, 'scripts', 'subset-fonts.sh'))).toBe(true);
  });

  it('are parsed once and shared', () => {
    expect(parsedFont(fonts.bold)).toBe(parsedFont(fonts.bold));
    expect(parsedFont(fonts.bold).familyName).toBe('DejaVu Sans');
  });
});
