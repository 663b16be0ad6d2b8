// The Raft core's public surface. Drivers and the store import from here only.
export { RaftCore, type RaftCoreOptions, type RaftStatus, type MemberProgress } from './core.js';
export type { Ready, SoftState } from './ready.js';
export type { ReadState } from './readindex.js';
export type { Proposed } from './proposal.js';
export type { Role } from './raft.js';
export {
  baseConfig,
  lanDefaults,
  wirelessDefaults,
  simulationDefaults,
  validateConfig,
  configProblems,
  type RaftConfig,
} from './config.js';
export { MessageType, messageTypeName, type Message } from './messages.js';
export * from './messages.js';
export { messageProblem, isMessage } from './message-check.js';
export {
  ConfChangeKind,
  applyConfChange,
  confChangeProblem,
  copyConf,
  emptyConf,
  encodeConfChange,
  decodeConfChange,
  describeConfChange,
  type ConfChange,
  type CoreConfState,
} from './confchange.js';
export { RaftError, isRaftError, raftErrorCodes, type RaftErrorCode } from './errors.js';
