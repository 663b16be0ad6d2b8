/**
 * Runs validateServiceSpec's checks on a spec built from flags and adds what
 * they find, so a flag parser never returns a spec the manager would refuse.
 * The problems name spec fields, since no single flag may be at fault
 * (a reservation above the limit involves two).
 */
import type { ServiceSpec } from '../store/services.js';
import type { ProblemList } from './problem-list.js';
import { checkServiceSpec } from './validate.js';

export function reportSpecProblems(spec: ServiceSpec, problems: ProblemList): void {
  for (const problem of checkServiceSpec(spec)) {
    problems.add({ code: problem.code, where: null, line: null, path: problem.field, message: `the resulting spec is not valid: ${problem.message}` });
  }
}
