/**
 * AS path regular expressions as Cisco and FRR write them: a JavaScript regex
 * over the AS path text (`65001 65002 {65003,65004}`, src/bgp/wire/values/as-path.ts)
 * in which `_` stands for a delimiter: the start or end of the path, a space,
 * or the braces, brackets, parentheses and commas around AS_SET and
 * confederation segments. `^65001_` = learned from 65001; `_65002$` = originated
 * by 65002; `^$` = the empty path (our own routes).
 */

/** What `_` becomes. It consumes the delimiter, as Cisco's does, so `_65001_65002_` still matches "65001 65002". */
const DELIMITER = '(?:^|$|[ {},()\\[\\]])';

/** The regex source with each `_` outside a character class replaced; escapes and classes copied as written. */
export function translateAsPathRegex(text: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) {
      out += c + (text[i + 1] as string);
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
      out += c;
    } else if (c === '[') {
      inClass = true;
      out += c;
    } else {
      out += c === '_' ? DELIMITER : c;
    }
  }
  return out;
}

export type AsPathRegexResult = { readonly ok: true; readonly regex: RegExp } | { readonly ok: false; readonly reason: string };

/** Compiles once (config load); the reason is the engine's own message, first letter lowered, for a config error line. */
export function compileAsPathRegex(text: string): AsPathRegexResult {
  try {
    return { ok: true, regex: new RegExp(translateAsPathRegex(text)) };
  } catch (e) {
    const message = e instanceof Error ? e.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '') : String(e);
    return { ok: false, reason: message.charAt(0).toLowerCase() + message.slice(1) };
  }
}
