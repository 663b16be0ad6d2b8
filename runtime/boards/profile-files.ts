/**
 * Reading profiles from disk: for tools and tests that work from a checkout
 * (the agent uses the bundled copy in profiles.ts). Both paths go through
 * validateProfileFile, so a file and its bundled copy obey the same rules.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BoardProfileInvalidError } from './errors.js';
import { validateProfileSet } from './profile-set.js';
import { type BoardProfile, validateProfile } from './profile.js';

/** Validates parsed content and checks that the id matches the file name (`pi4b` ↔ pi4b.json). */
export function validateProfileFile(raw: unknown, source: string): BoardProfile {
  const profile = validateProfile(raw, source);
  const expected = basename(source).replace(/\.json$/, '');
  if (profile.id !== expected) throw new BoardProfileInvalidError(source, 'id', `is "${profile.id}" but the file is named ${basename(source)}; rename one`);
  return profile;
}

/** Loads and validates one profile file; JSON syntax errors name the file too. */
export function loadProfileFile(path: string): BoardProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new BoardProfileInvalidError(path, '(file)', `is not readable JSON (${(error as Error).message})`);
  }
  return validateProfileFile(raw, path);
}

/** Loads every *.json in a directory as one validated set, in file-name order. */
export function loadProfileDirectory(directory: string): readonly BoardProfile[] {
  const files = readdirSync(directory).filter((name) => name.endsWith('.json')).sort();
  return validateProfileSet(files.map((file) => ({ source: join(directory, file), profile: loadProfileFile(join(directory, file)) })));
}
