/**
 * Titles that show nothing on screen, each refused as empty on every channel; and titles with
 * something visible among such characters, each accepted exactly as sent.
 */
export const INVISIBLE_TITLES: [name: string, title: string][] = [
  ['a zero-width space', '\u200B'],
  ['a right-to-left override', '\u202E'],
  ['a word joiner', '\u2060'],
  ['a byte order mark', '\uFEFF'],
  ['a soft hyphen', '\u00AD'],
  ['a combining grapheme joiner', '\u034F'],
  ['a Hangul filler', '\u3164'],
  ['the Hangul choseong and jungseong fillers', '\u115F\u1160'],
  ['a halfwidth Hangul filler', '\uFFA0'],
  ['a braille blank', '\u2800'],
  ['non-spacing combining marks alone', '\u0301\u0308'],
  ['variation selectors', '\uFE0F\u{E0100}'],
  ['tag characters', '\u{E0020}\u{E0041}\u{E007F}'],
  ['a mixture with spaces', ' \u200B \u00A0\u202E\t\u2060\u3164 \u3000'],
];

export const VISIBLE_AMONG_INVISIBLE = [
  '\u200BHidden start',
  'Soft\u00ADhyphen',
  'Cafe\u0301',
  'Family 👨‍👩‍👧',
  '\u202Eevil.exe',
  'Flag 🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}',
  '\u2800x',
  // Spacing and enclosing marks show even alone (a visarga, an enclosing circle).
  '\u0903',
  '\u20DD',
];
