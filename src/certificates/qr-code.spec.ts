import { createHash } from 'node:crypto';
import { create as createQrCode } from 'qrcode';
import { qrMatrix, qrSvg } from 'src/certificates/qr-code';

/** A finder pattern: a 7×7 dark ring, a light ring, and a dark 3×3 centre. */
function isFinderPattern(matrix: boolean[][], top: number, left: number): boolean {
  for (let r = 0; r < 7; r++) {
    for (let c = 0; c < 7; c++) {
      const ring = Math.max(Math.abs(r - 3), Math.abs(c - 3));
      const dark = ring !== 2;
      if (matrix[top + r][left + c] !== dark) {
        return false;
      }
    }
  }
  return true;
}

describe('qrMatrix', () => {
  it.each([
    ['a short URL', 'https://charte.example.ma/verify/AMRC-2026-00001', 1, 6],
    [
      'a URL with a 300-character token',
      `https://charte.example.ma/verify/AMRC-2026-00001?t=${'x'.repeat(300)}`,
      12,
      14,
    ],
  ])('sizes the code to the text (%s): 17 + 4 × version modules a side', (_, text, min, max) => {
    const matrix = qrMatrix(text, 'M');
    const version = (matrix.length - 17) / 4;
    expect(Number.isInteger(version)).toBe(true);
    expect(version).toBeGreaterThanOrEqual(min);
    expect(version).toBeLessThanOrEqual(max);
    expect(matrix.every((row) => row.length === matrix.length)).toBe(true);
  });

  it('draws the three finder patterns, in the corners, and none in the fourth', () => {
    const matrix = qrMatrix('https://charte.example.ma/verify/AMRC-2026-00042?t=abc');
    const far = matrix.length - 7;
    expect(isFinderPattern(matrix, 0, 0)).toBe(true);
    expect(isFinderPattern(matrix, 0, far)).toBe(true);
    expect(isFinderPattern(matrix, far, 0)).toBe(true);
    expect(isFinderPattern(matrix, far, far)).toBe(false);
  });

  it('alternates the timing patterns between the finder patterns', () => {
    const matrix = qrMatrix('AMRC-2026-00042');
    for (let i = 8; i < matrix.length - 8; i++) {
      expect(matrix[6][i]).toBe(i % 2 === 0);
      expect(matrix[i][6]).toBe(i % 2 === 0);
    }
  });

  it('needs more modules for more error correction', () => {
    const text = `https://charte.example.ma/verify/AMRC-2026-00042?t=${'y'.repeat(200)}`;
    expect(qrMatrix(text, 'Q').length).toBeGreaterThan(qrMatrix(text, 'M').length);
  });

  it('masks the code as qrcode itself would, at every level and size', () => {
    for (const level of ['L', 'M', 'Q', 'H'] as const) {
      for (let length = 1; length < 700; length += 53) {
        let token = '';
        while (token.length < length) {
          token += createHash('sha256').update(`${level}${length}${token}`).digest('base64url');
        }
        const text = `https://charte.example.ma/verify/AMRC-2026-${length}?t=${token.slice(0, length)}`;
        const { modules } = createQrCode([{ data: Buffer.from(text, 'utf8'), mode: 'byte' }], {
          errorCorrectionLevel: level,
        });
        const expected = Array.from({ length: modules.size }, (_, row) =>
          Array.from({ length: modules.size }, (_, column) => modules.get(row, column) === 1),
        );
        expect(qrMatrix(text, level)).toEqual(expected);
      }
    }
  });

  it('gives the same modules for the same text', () => {
    expect(qrMatrix('AMRC-2026-00042')).toEqual(qrMatrix('AMRC-2026-00042'));
  });
});

describe('qrSvg', () => {
  it('draws the dark modules as one path inside a square with the quiet zone', () => {
    const matrix = qrMatrix('AMRC-2026-00042');
    const svg = qrSvg(matrix, 120);
    const side = matrix.length + 8;
    expect(svg).toContain(`viewBox="0 0 ${side} ${side}"`);
    expect(svg.match(/<path /g)).toHaveLength(1);
    // the top-left finder pattern's first row: 7 dark modules from (4, 4)
    expect(svg).toContain('M4 4h7v1h-7z');
  });
});
