/**
 * Just enough of the Unicode bidirectional algorithm (UAX #9) for one line of a PDF: no explicit
 * embeddings, one paragraph. fontkit shapes Arabic and lays a run right to left when the run's
 * first letter is Arabic, but it reverses every glyph of that run, digits included, and it
 * cannot order a line that mixes French and Arabic. So a line is cut here into runs of one
 * direction, put in visual order, and each run is handed to fontkit so that its own reversal
 * gives the right result.
 */

export type Direction = 'ltr' | 'rtl';

/** A piece of a line, in the order it is drawn from left to right. */
export interface VisualRun {
  /** What to give pdfkit: after fontkit's own reversal of RTL scripts it reads right. */
  readonly text: string;
  readonly direction: Direction;
}

// Bidi classes kept: strong L and R, European and Arabic numbers, number separators and
// terminators, non-spacing marks, and other neutrals.
type BidiClass = 'L' | 'R' | 'EN' | 'AN' | 'CS' | 'ET' | 'NSM' | 'ON';

const ARABIC_INDIC_DIGIT = /[\u0660-\u0669\u066B\u066C]/u;
const ARABIC_MARK =
  /[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06DC\u06DF-\u06E4\u06E7\u06E8\u06EA-\u06ED]/u;
const RTL_LETTER =
  /[\u0590-\u05FF\u0600-\u06FF\u0700-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF\u200F\u061C]/u;
const LTR_LETTER = /[\p{L}\p{Mc}\u200E]/u;
const COMMON_SEPARATOR = /[,.:/\u00A0\u202F]/u; // CS: inside a number (1 234,56 · 12/03)
const TERMINATOR = /[%\u00B0\u20A0-\u20CF#$+\-\u2212]/u; // ET-like: 50 %, 12 €, +212, -3

function bidiClass(char: string): BidiClass {
  if (char >= '0' && char <= '9') {
    return 'EN';
  }
  if (ARABIC_INDIC_DIGIT.test(char)) {
    return 'AN';
  }
  if (ARABIC_MARK.test(char) || /\p{Mn}/u.test(char)) {
    return 'NSM';
  }
  if (RTL_LETTER.test(char)) {
    return 'R';
  }
  if (LTR_LETTER.test(char)) {
    return 'L';
  }
  if (COMMON_SEPARATOR.test(char)) {
    return 'CS';
  }
  return TERMINATOR.test(char) ? 'ET' : 'ON';
}

/** True when the text holds a right-to-left letter (Arabic, Hebrew). */
export function hasRtl(text: string): boolean {
  return RTL_LETTER.test(text);
}

/** The direction of the first strong letter (rules P2, P3); `fallback` when there is none. */
export function baseDirection(text: string, fallback: Direction = 'ltr'): Direction {
  for (const char of text) {
    const cls = bidiClass(char);
    if (cls === 'L') {
      return 'ltr';
    }
    if (cls === 'R') {
      return 'rtl';
    }
  }
  return fallback;
}

/** Resolves weak types (W1–W7): marks, separators and terminators around numbers. */
function resolveWeak(classes: BidiClass[], base: Direction): BidiClass[] {
  const out = [...classes];
  let previous: BidiClass = base === 'rtl' ? 'R' : 'L';
  for (let i = 0; i < out.length; i++) {
    if (out[i] === 'NSM') {
      out[i] = i > 0 ? out[i - 1] : previous;
    }
  }
  for (let i = 1; i < out.length - 1; i++) {
    const number = out[i - 1];
    if (out[i] === 'CS' && (number === 'EN' || number === 'AN') && out[i + 1] === number) {
      out[i] = number;
    }
  }
  for (let i = 0; i < out.length; i++) {
    if (out[i] !== 'ET') {
      continue;
    }
    let end = i;
    while (end < out.length && out[end] === 'ET') {
      end++;
    }
    const touchesNumber = out[i - 1] === 'EN' || out[end] === 'EN';
    for (let k = i; k < end; k++) {
      out[k] = touchesNumber ? 'EN' : 'ON';
    }
    i = end - 1;
  }
  for (let i = 0; i < out.length; i++) {
    if (out[i] === 'L' || out[i] === 'R') {
      previous = out[i];
    } else if (out[i] === 'EN' && previous === 'L') {
      out[i] = 'L';
    } else if (out[i] === 'CS') {
      out[i] = 'ON';
    }
  }
  return out;
}

/** Resolves neutrals (N1, N2): between two like directions they take it, otherwise the base. */
function resolveNeutrals(classes: BidiClass[], base: Direction): ('L' | 'R' | 'EN' | 'AN')[] {
  const strong = (cls: BidiClass | undefined, edge: Direction): 'L' | 'R' => {
    if (cls === undefined) {
      return edge === 'rtl' ? 'R' : 'L';
    }
    return cls === 'L' ? 'L' : 'R'; // numbers count as R here (N1)
  };
  const out: ('L' | 'R' | 'EN' | 'AN')[] = [];
  for (let i = 0; i < classes.length; i++) {
    const cls = classes[i];
    if (cls === 'L' || cls === 'R' || cls === 'EN' || cls === 'AN') {
      out.push(cls);
      continue;
    }
    let end = i;
    while (end < classes.length && !['L', 'R', 'EN', 'AN'].includes(classes[end])) {
      end++;
    }
    const before = strong(i > 0 ? classes[i - 1] : undefined, base);
    const after = strong(end < classes.length ? classes[end] : undefined, base);
    const resolved = before === after ? before : base === 'rtl' ? 'R' : 'L';
    for (let k = i; k < end; k++) {
      out.push(resolved);
    }
    i = end - 1;
  }
  return out;
}

/** Embedding levels (I1, I2): even is left to right, odd right to left. */
function levels(text: readonly string[], base: Direction): number[] {
  const classes = resolveNeutrals(resolveWeak(text.map(bidiClass), base), base);
  const baseLevel = base === 'rtl' ? 1 : 0;
  return classes.map((cls) => {
    if (baseLevel === 0) {
      return cls === 'L' ? 0 : cls === 'R' ? 1 : 2;
    }
    return cls === 'R' ? 1 : 2;
  });
}

const MIRRORED: Readonly<Record<string, string>> = {
  '(': ')',
  ')': '(',
  '[': ']',
  ']': '[',
  '{': '}',
  '}': '{',
  '<': '>',
  '>': '<',
  '«': '»',
  '»': '«',
  '‹': '›',
  '›': '‹',
  '≤': '≥',
  '≥': '≤',
};

// fontkit lays a run right to left when the first character whose script is specific (not
// Common nor Inherited: digits, spaces, punctuation and marks do not decide) is of an RTL script.
const RTL_SCRIPT =
  /[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]/u;
const UNDECIDING_SCRIPT = /[\p{Script=Common}\p{Script=Inherited}\p{Script=Unknown}]/u;

function fontkitReverses(chars: readonly string[]): boolean {
  const deciding = chars.find((char) => !UNDECIDING_SCRIPT.test(char));
  return deciding !== undefined && RTL_SCRIPT.test(deciding);
}

function runText(chars: string[], direction: Direction): string {
  const shown = direction === 'rtl' ? chars.map((c) => MIRRORED[c] ?? c) : chars;
  // fontkit reverses RTL runs itself; a run it would not reverse is reversed here, and the
  // other way round, so that every run ends up in the order the algorithm wants.
  const wanted = direction === 'rtl';
  return (fontkitReverses(shown) === wanted ? shown : [...shown].reverse()).join('');
}

/**
 * Cuts one line (no line breaks) into runs in the order they are drawn from left to right
 * (rule L2 applied to runs rather than characters), mirroring brackets in right-to-left runs.
 */
export function visualRuns(line: string, base: Direction = baseDirection(line)): VisualRun[] {
  const chars = Array.from(line);
  if (chars.length === 0) {
    return [];
  }
  const lv = levels(chars, base);
  const runs: { level: number; chars: string[] }[] = [];
  chars.forEach((char, i) => {
    const last = runs[runs.length - 1];
    if (last && last.level === lv[i]) {
      last.chars.push(char);
    } else {
      runs.push({ level: lv[i], chars: [char] });
    }
  });
  const highest = Math.max(...runs.map((r) => r.level));
  const lowestOdd = Math.min(...runs.map((r) => r.level).filter((l) => l % 2 === 1), highest + 1);
  for (let level = highest; level >= lowestOdd && level > 0; level--) {
    for (let i = 0; i < runs.length; i++) {
      if (runs[i].level < level) {
        continue;
      }
      let end = i;
      while (end < runs.length && runs[end].level >= level) {
        end++;
      }
      runs.splice(i, end - i, ...runs.slice(i, end).reverse());
      i = end;
    }
  }
  return runs.map((run) => {
    const direction: Direction = run.level % 2 === 1 ? 'rtl' : 'ltr';
    return { text: runText(run.chars, direction), direction };
  });
}
