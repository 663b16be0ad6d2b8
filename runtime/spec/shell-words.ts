/**
 * Splits a command written as one string into argv the way a POSIX shell
 * would for plain words and quotes, and nothing more: single quotes keep
 * everything literally, double quotes allow \" \\ \$ and \` escapes, a
 * backslash outside quotes escapes the next character. There is no variable
 * expansion, globbing, pipes or redirection: "a | b" gives three arguments,
 * as in Docker. Put a real shell in front ("sh -c '…'") for those.
 */
import { SpecError } from './errors.js';
import { commandArgsCountMax } from './limits.js';

type QuoteState = 'none' | 'single' | 'double';

export function splitShellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: QuoteState = 'none';
  for (let index = 0; index < text.length; index++) {
    const char = text[index] ?? '';
    if (quote === 'single') {
      if (char === "'") quote = 'none';
      else word += char;
      continue;
    }
    if (quote === 'double') {
      if (char === '"') quote = 'none';
      else if (char === '\\' && index + 1 < text.length && '"\\$`'.includes(text[index + 1] ?? '')) word += text[++index];
      else word += char;
      continue;
    }
    if (char === ' ' || char === '\t' || char === '\n' || char === '\r') {
      if (inWord) pushWord(words, word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (char === "'") quote = 'single';
    else if (char === '"') quote = 'double';
    else if (char === '\\') {
      if (index + 1 >= text.length) throw new SpecError('EDGE_SPEC_BAD_COMMAND', 'ends with a lone backslash; escape it as \\\\ or remove it');
      word += text[++index];
    } else word += char;
  }
  if (quote !== 'none') {
    const mark = quote === 'single' ? "'" : '"';
    throw new SpecError('EDGE_SPEC_BAD_COMMAND', `has a ${mark} that is never closed; close the quote or write the command as a list`);
  }
  if (inWord) pushWord(words, word);
  return words;
}

function pushWord(words: string[], word: string): void {
  if (words.length >= commandArgsCountMax) {
    throw new SpecError('EDGE_SPEC_TOO_LARGE', `has more than ${commandArgsCountMax} arguments`);
  }
  words.push(word);
}
