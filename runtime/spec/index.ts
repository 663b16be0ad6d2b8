// The public surface of the spec folder: stack files, service create/update
// flags, spec validation and diffs. Other folders import from here only.
export { parseStack, stackNamespaceLabel, type ParseStackOptions, type StackSpec, type StackVolume } from './stack.js';
export { readStackFile } from './stack-file.js';
export { parseServiceCreateFlags, createFlagTable } from './create-flags.js';
export { parseServiceUpdateFlags, updateFlagTable } from './update-flags.js';
export { validateServiceSpec, checkServiceSpec } from './validate.js';
export type { SpecFieldProblem } from './field-checker.js';
export { diffSpecs, normalizeServiceSpec, planStackDeploy, type SpecDiff, type StackDeployPlan } from './diff.js';
export { SpecError, SpecProblemsError, formatProblem, isSpecError, specErrorCodes, type SpecErrorCode, type SpecProblem } from './errors.js';
export { parseDurationMs, formatDuration } from './duration.js';
export { parseMemoryBytes, formatBytes } from './memory.js';
export { parseConstraint, formatConstraint } from './constraint.js';
export { formatPort } from './ports.js';
export { splitShellWords } from './shell-words.js';
export * as specLimits from './limits.js';
