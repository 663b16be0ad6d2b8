/**
 * A bounded collector of located problems. Parsers keep going after a
 * problem so one run reports everything wrong with a file; only the first
 * problemsShownMax are kept, the rest counted, so a file of garbage cannot
 * produce a message of unbounded size.
 */
import { SpecError, SpecProblemsError, type SpecErrorCode, type SpecProblem } from './errors.js';
import { problemsShownMax } from './limits.js';

/** Where a problem is: "stack.yml:14" and 14, "argument 3" and null, or nowhere. */
export interface ProblemLocation {
  where: string | null;
  line: number | null;
}

export const nowhere: ProblemLocation = { where: null, line: null };

export class ProblemList {
  private readonly kept: SpecProblem[] = [];
  private count = 0;

  add(problem: SpecProblem): void {
    this.count += 1;
    if (this.kept.length < problemsShownMax) this.kept.push(problem);
  }

  /** Adds a problem whose message is `${path}: ${detail}`, the form for a bad value. */
  addDetail(code: SpecErrorCode, location: ProblemLocation, path: string, detail: string): void {
    this.add({ code, ...location, path, message: `${path}: ${detail}` });
  }

  /** Adds a SpecError thrown by a value parser, keeping its code. */
  addError(error: SpecError, location: ProblemLocation, path: string): void {
    this.addDetail(error.code, location, path, error.message);
  }

  get size(): number {
    return this.count;
  }

  get problems(): readonly SpecProblem[] {
    return this.kept;
  }

  /** Throws one SpecProblemsError holding everything collected (in line or argument order), if anything was. */
  throwIfAny(subject: string): void {
    if (this.count === 0) return;
    const ordered = [...this.kept].sort((a, b) => position(a) - position(b));
    throw new SpecProblemsError(subject, ordered, this.count);
  }
}

/** Where a problem sorts: by line in a file, by argument number on a command line, unplaced ones last. */
function position(problem: SpecProblem): number {
  if (problem.line !== null) return problem.line;
  const argument = /^argument (\d+)$/.exec(problem.where ?? '');
  return argument === null ? Number.MAX_SAFE_INTEGER : Number(argument[1]);
}

/**
 * Runs a value parser; a SpecError it throws becomes a problem and the result
 * is null. Anything else is a bug and propagates.
 */
export function attempt<T>(problems: ProblemList, location: ProblemLocation, path: string, parse: () => T): T | null {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof SpecError)) throw error;
    problems.addError(error, location, path);
    return null;
  }
}
