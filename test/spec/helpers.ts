// Shared helpers for the spec tests: catching the one error a parser throws.
import { SpecError, SpecProblemsError } from '../../runtime/spec/index.js';

/** The SpecProblemsError `action` throws; fails the test when it returns or throws something else. */
export function problemsOf(action: () => unknown): SpecProblemsError {
  try {
    action();
  } catch (error) {
    if (error instanceof SpecProblemsError) return error;
    throw error;
  }
  throw new Error('expected a SpecProblemsError, but the call succeeded');
}

/** The SpecError a value parser throws. */
export function specErrorOf(action: () => unknown): SpecError {
  try {
    action();
  } catch (error) {
    if (error instanceof SpecError) return error;
    throw error;
  }
  throw new Error('expected a SpecError, but the call succeeded');
}

/** "file:line: message" lines, as a person sees them. */
export function problemLines(error: SpecProblemsError): string[] {
  return error.problems.map((problem) => (problem.where === null ? problem.message : `${problem.where}: ${problem.message}`));
}
