/**
 * Rules that span profiles: ids are unique, each arch has exactly one
 * fallback, and every example model string picks exactly one profile, so
 * detection never depends on the order the files were listed in.
 */
import { BoardProfileInvalidError, BoardUnknownError } from './errors.js';
import { type BoardProfile, profileMatchesModel } from './profile.js';

/** A profile with the file it came from, so set-level errors can name the file. */
export interface SourcedProfile {
  source: string;
  profile: BoardProfile;
}

export function validateProfileSet(entries: readonly SourcedProfile[]): readonly BoardProfile[] {
  const byId = new Map<string, string>();
  const fallbackByArch = new Map<string, string>();
  for (const { source, profile } of entries) {
    const previous = byId.get(profile.id);
    if (previous !== undefined) throw new BoardProfileInvalidError(source, 'id', `"${profile.id}" is already used by ${previous}`);
    byId.set(profile.id, source);
    if (profile.fallbackForArch) {
      const other = fallbackByArch.get(profile.arch);
      if (other !== undefined) throw new BoardProfileInvalidError(source, 'fallbackForArch', `is true, but ${other} is already the ${profile.arch} fallback`);
      fallbackByArch.set(profile.arch, source);
    }
  }
  for (const { source, profile } of entries) {
    profile.modelExamples.forEach((example, index) => {
      const rival = entries.find((other) => other.profile !== profile && profileMatchesModel(other.profile, example));
      if (rival !== undefined) {
        throw new BoardProfileInvalidError(source, `modelExamples[${index}]`, `"${example}" is also matched by ${rival.source}; make the patterns disjoint`);
      }
    });
  }
  return Object.freeze(entries.map((entry) => entry.profile));
}

/** The profile with this id; BoardUnknownError lists the ids that exist. */
export function findProfile(id: string, profiles: readonly BoardProfile[]): BoardProfile {
  const profile = profiles.find((candidate) => candidate.id === id);
  if (profile === undefined) throw new BoardUnknownError(id, profiles.map((candidate) => candidate.id));
  return profile;
}
