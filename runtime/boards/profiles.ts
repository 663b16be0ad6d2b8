/**
 * The profiles in boards/, compiled into whatever imports this module. The
 * bundled agent (dist/edged.js) runs on boards that have no boards/ folder,
 * so the JSON is imported rather than read at run time: esbuild inlines it,
 * tsc type-checks it, and tsx loads it in tests. Adding a board means adding
 * its file here too; test/boards/profiles.test.ts fails until the two agree.
 */
import cm4 from '../../boards/cm4.json' with { type: 'json' };
import genericArm64 from '../../boards/generic-arm64.json' with { type: 'json' };
import pi3bplus from '../../boards/pi3bplus.json' with { type: 'json' };
import pi4b from '../../boards/pi4b.json' with { type: 'json' };
import pi5 from '../../boards/pi5.json' with { type: 'json' };
import pizero2w from '../../boards/pizero2w.json' with { type: 'json' };
import x8664Dev from '../../boards/x86_64-dev.json' with { type: 'json' };
import { findProfile, validateProfileSet } from './profile-set.js';
import { type BoardProfile } from './profile.js';
import { validateProfileFile } from './profile-files.js';

/** File name (under boards/) → parsed content, exactly as bundled. */
export const BUNDLED_PROFILE_FILES: Readonly<Record<string, unknown>> = Object.freeze({
  'cm4.json': cm4,
  'generic-arm64.json': genericArm64,
  'pi3bplus.json': pi3bplus,
  'pi4b.json': pi4b,
  'pi5.json': pi5,
  'pizero2w.json': pizero2w,
  'x86_64-dev.json': x8664Dev,
});

let validated: readonly BoardProfile[] | undefined;

/** Every bundled profile, validated once (a bad profile fails the first caller, loudly). */
export function builtinProfiles(): readonly BoardProfile[] {
  validated ??= validateProfileSet(
    Object.entries(BUNDLED_PROFILE_FILES).map(([file, raw]) => {
      const source = `boards/${file}`;
      return { source, profile: validateProfileFile(raw, source) };
    }),
  );
  return validated;
}

/** The bundled profile with this id, or EDGE_BOARD_UNKNOWN naming the ids that exist. */
export function builtinProfile(id: string): BoardProfile {
  return findProfile(id, builtinProfiles());
}
