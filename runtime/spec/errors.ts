/**
 * Every problem found in a stack file, in `service create|update` flags or in
 * a spec handed to the manager carries one of the codes below. README.md in
 * this folder lists them with their fix; keep the two in step.
 *
 * Parsers collect problems instead of stopping at the first one, so a person
 * fixes a file in one pass. What they throw is one SpecProblemsError (code
 * EDGE_SPEC_INVALID) holding every problem, each with its own code. The small
 * value parsers (memory sizes, durations, ports…) throw a plain SpecError with
 * the detail; the file and flag readers turn it into a located problem.
 */
import { EdgeError } from '../common/errors.js';

export const specErrorCodes = [
  'EDGE_SPEC_INVALID',
  'EDGE_SPEC_FILE_UNREADABLE',
  'EDGE_SPEC_TOO_LARGE',
  'EDGE_SPEC_BAD_YAML',
  'EDGE_SPEC_UNKNOWN_KEY',
  'EDGE_SPEC_UNSUPPORTED_KEY',
  'EDGE_SPEC_UNSUPPORTED_VALUE',
  'EDGE_SPEC_MISSING_KEY',
  'EDGE_SPEC_BAD_TYPE',
  'EDGE_SPEC_BAD_VALUE',
  'EDGE_SPEC_BAD_NAME',
  'EDGE_SPEC_BAD_IMAGE',
  'EDGE_SPEC_BAD_COMMAND',
  'EDGE_SPEC_BAD_MEMORY',
  'EDGE_SPEC_BAD_DURATION',
  'EDGE_SPEC_BAD_CONSTRAINT',
  'EDGE_SPEC_BAD_PORT',
  'EDGE_SPEC_DUPLICATE_PORT',
  'EDGE_SPEC_BAD_MOUNT',
  'EDGE_SPEC_UNDECLARED_VOLUME',
  'EDGE_SPEC_UNKNOWN_FLAG',
  'EDGE_SPEC_MISSING_ARGUMENT',
  'EDGE_SPEC_UNEXPECTED_ARGUMENT',
] as const;

export type SpecErrorCode = (typeof specErrorCodes)[number];

/** One problem with one value or key, as a parser found it. */
export class SpecError extends EdgeError {
  declare readonly code: SpecErrorCode;

  constructor(code: SpecErrorCode, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'SpecError';
  }
}

/** A problem tied to where it was written. */
export interface SpecProblem {
  code: SpecErrorCode;
  /** "stack.yml:14" in a file, "argument 3" in flags; null for a spec that came from elsewhere. */
  where: string | null;
  /** Line in the file (1-based); null outside files. */
  line: number | null;
  /** Dotted path in the file ("services.web.deploy.replicas") or the flag ("--replicas"). */
  path: string;
  /** A whole sentence that names the path and says what to do. */
  message: string;
}

export function formatProblem(problem: SpecProblem): string {
  return problem.where === null ? problem.message : `${problem.where}: ${problem.message}`;
}

/**
 * Everything wrong with one file or one command line. `problems` holds the
 * first few (see problemsShownMax); `problemCount` says how many there were.
 */
export class SpecProblemsError extends SpecError {
  readonly problems: readonly SpecProblem[];
  readonly problemCount: number;

  constructor(subject: string, problems: readonly SpecProblem[], problemCount: number) {
    const noun = problemCount === 1 ? 'problem' : 'problems';
    const lines = problems.map((problem) => `  ${formatProblem(problem)}`);
    if (problemCount > problems.length) lines.push(`  … and ${problemCount - problems.length} more (fix these first)`);
    super('EDGE_SPEC_INVALID', `${subject} has ${problemCount} ${noun}; nothing was changed:\n${lines.join('\n')}`);
    this.name = 'SpecProblemsError';
    this.problems = problems;
    this.problemCount = problemCount;
  }

  override toJSON(): { code: string; message: string; retryable: boolean; problems: SpecProblem[] } {
    return { ...super.toJSON(), problems: [...this.problems] };
  }
}

export function isSpecError(value: unknown, code?: SpecErrorCode): value is SpecError {
  return value instanceof SpecError && (code === undefined || value.code === code);
}
