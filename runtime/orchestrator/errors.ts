// The orchestrator's errors. reconcile() never throws for bad cluster data
// (a service that cannot be placed just leaves its tasks pending); the only
// thing a person can get wrong here is the configuration the daemon passes.
import { EdgeError } from '../common/errors.js';

export const OrchestratorErrorCode = {
  /** A field of OrchestratorConfig is out of range; the message names it and the accepted range. */
  ConfigInvalid: 'EDGE_ORCHESTRATOR_CONFIG_INVALID',
} as const;
export type OrchestratorErrorCode = (typeof OrchestratorErrorCode)[keyof typeof OrchestratorErrorCode];

export class OrchestratorError extends EdgeError {
  override readonly code: OrchestratorErrorCode;

  constructor(code: OrchestratorErrorCode, message: string) {
    // The same config fails the same way: someone has to change it.
    super(code, message, { retryable: false });
    this.name = 'OrchestratorError';
    this.code = code;
  }
}
