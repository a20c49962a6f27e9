import fc from 'fast-check';
import { canonicalJson } from 'src/common/canonical-json';

// Bit patterns of IEEE 754 doubles, as RFC 8785 appendix B lists them with their serialisation.
const fromBits = (hex: string) => Buffer.from(hex, 'hex').readDoubleBE(0);

describe('canonicalJson', () => {
  it('sorts keys by UTF-16 code units, as the sorting example of RFC 8785 §3.2.3', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // Read off the text: Object.keys would put the integer-like "1" first whatever the order.
    const keys = [...canonicalJson(input).matchAll(/"((?:[^"\\]|\\.)*)":/g)].map(
      ([, key]) => JSON.parse(`"${key}"`) as string,
    );
    // The emoji (a surrogate pair, 0xD83D...) sorts before U+FB33, unlike a code point order.
    expect(keys).toEqual(['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33']);
  });

  it('writes the example of RFC 8785 §3.2.2 as the RFC does', () => {
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],' +
        '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        '"literals":[null,true,false]}',
    ) as unknown;
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
  ])('writes the double 0x%s as %s (RFC 8785 appendix B)', (bits, expected) => {
    expect(canonicalJson(fromBits(bits))).toBe(expected);
  });

  it('nests arrays and objects, keeping array order and sorting every object', () => {
    expect(canonicalJson({ b: [3, { z: 1, a: [true, null] }, []], a: { d: {}, c: 'x' } })).toBe(
      '{"a":{"c":"x","d":{}},"b":[3,{"a":[true,null],"z":1},[]]}',
    );
  });

  it('escapes quotes, backslashes and control characters, and nothing else', () => {
    expect(canonicalJson('"\\\b\f\n\r\t\u0001\u001f/é€😀')).toBe(
      '"\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f/é€😀"',
    );
  });

  it('writes a Date as its ISO 8601 UTC string', () => {
    expect(canonicalJson({ at: new Date(Date.UTC(2020, 5, 1, 8, 30, 0, 123)) })).toBe(
      '{"at":"2020-06-01T08:30:00.123Z"}',
    );
  });

  it('leaves out undefined members, and writes undefined array items as null', () => {
    expect(canonicalJson({ a: undefined, b: 1, c: [undefined, 2] })).toBe('{"b":1,"c":[null,2]}');
  });

  it.each([
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['NaN inside an object', { a: [1, NaN] }],
  ])('refuses %s', (_, value) => {
    expect(() => canonicalJson(value)).toThrow(/NaN or Infinity/);
  });

  it.each([
    ['a bigint', 1n],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
  ])('refuses %s', (_, value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
  });

  it('is a fixed point: canonicalising the parsed canonical form gives it back', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const canonical = canonicalJson(value);
        expect(canonicalJson(JSON.parse(canonical))).toBe(canonical);
      }),
    );
  });

  it('reads back as the same value (with -0 as 0)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('does not depend on the order in which keys were inserted', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.string({ unit: 'binary' }), fc.jsonValue()), {
          selector: ([key]) => key,
          maxLength: 12,
        }),
        fc.nat(),
        (entries, seed) => {
          const rotated = entries.map((_, i) => entries[(i + seed) % entries.length]);
          const build = (list: typeof entries) => {
            const object: Record<string, unknown> = {};
            for (const [key, member] of list) {
              // defineProperty: a "__proto__" key must be a member, not the prototype.
              Object.defineProperty(object, key, { value: member, enumerable: true });
            }
            return object;
          };
          expect(canonicalJson(build(rotated))).toBe(canonicalJson(build(entries)));
          expect(canonicalJson(build([...entries].reverse()))).toBe(canonicalJson(build(entries)));
        },
      ),
    );
  });
});
