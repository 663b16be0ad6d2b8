// The agent's public face; the daemon imports from here only. See README.md.
export { Agent, createAgent, type AgentCounters, type AgentOptions, type AgentTopic, type AssignBody } from './agent.js';
export { agentDefaults, validateAgentConfig, type AgentConfig } from './config.js';
export * from './errors.js';
export type { ImageSource } from './task-steps.js';
export { stateFileName } from './state-file.js';
