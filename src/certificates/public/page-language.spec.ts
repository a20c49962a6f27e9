import { negotiateLanguage } from 'src/certificates/public/page-language';

describe('negotiateLanguage', () => {
  it.each([
    [undefined, undefined, 'fr'],
    [undefined, '', 'fr'],
    [undefined, 'en-GB,en;q=0.9', 'en'],
    [undefined, 'ar-MA,ar;q=0.9,fr;q=0.8', 'ar'],
    [undefined, 'de-DE,de;q=0.9,en;q=0.5,ar;q=0.4', 'en'],
    [undefined, 'fr;q=0.2, ar;q=0.7', 'ar'],
    [undefined, 'en;q=0, ar;q=0.1', 'ar'],
    [undefined, 'de, *;q=0.5', 'fr'],
    [undefined, 'EN-us', 'en'],
    [undefined, ['ar', 'en'], 'ar'],
    [undefined, ';;;,,,q=x', 'fr'],
    ['en', 'ar', 'en'],
    ['ar', undefined, 'ar'],
  ] as const)('?lang=%p with Accept-Language %p gives %p', (requested, header, expected) => {
    expect(negotiateLanguage(requested, header as string | string[] | undefined)).toBe(expected);
  });
});
