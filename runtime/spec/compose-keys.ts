/**
 * The Compose subset edgectl reads, as key tables: for each map, the keys it
 * supports and the Compose keys it refuses, with the reason. README.md shows
 * the same subset for people; keep the two in step.
 */
import type { KeyRules } from './key-rules.js';

const noNetworks = 'edgectl has no overlay networks: tasks use the node network and publish ports in host mode';
const noFiles = 'edgectl does not read files next to the stack file; write the values in the file';

export const topLevelKeys: KeyRules = {
  subject: 'the stack file',
  supported: ['version', 'services', 'volumes'],
  unsupported: {
    networks: noNetworks,
    configs: 'configs are not stored by edgectl yet; bind-mount a file that exists on the nodes',
    secrets: 'secrets are not stored by edgectl yet',
    name: 'the stack name comes from the command line (edgectl service deploy -f FILE NAME)',
    include: noFiles,
  },
  extensions: true,
};

export const serviceKeys: KeyRules = {
  subject: 'a service',
  supported: ['image', 'command', 'environment', 'ports', 'volumes', 'healthcheck', 'labels', 'deploy'],
  unsupported: {
    entrypoint: "edgectl's spec has one command that replaces the image's entrypoint and cmd together; put the full program and its arguments in command",
    depends_on: 'services start independently; use healthchecks',
    build: 'edgectl runs images from a registry; build and push the image, then name it in image',
    container_name: 'task containers are named by edgectl',
    restart: 'use deploy.restart_policy',
    networks: noNetworks,
    network_mode: noNetworks,
    links: noNetworks,
    external_links: noNetworks,
    expose: 'there is no service network to expose ports on; publish them with ports',
    env_file: noFiles,
    secrets: 'secrets are not stored by edgectl yet',
    configs: 'configs are not stored by edgectl yet; bind-mount a file that exists on the nodes',
    logging: 'edged keeps task logs itself, with a byte cap',
    hostname: 'tasks get their hostname from edgectl',
    user: 'the image decides the user',
    working_dir: 'the image decides the working directory',
    stop_grace_period: 'the spec has no stop timeout yet',
    stop_signal: 'the spec has no stop signal yet',
    cap_add: 'capabilities cannot be changed',
    cap_drop: 'capabilities cannot be changed',
    privileged: 'privileged tasks are not allowed',
    devices: 'devices cannot be passed to tasks yet',
    read_only: 'the spec has no read-only root filesystem setting yet',
    tmpfs: 'the spec has no tmpfs mounts yet',
    sysctls: 'sysctls cannot be set',
    ulimits: 'ulimits cannot be set; deploy.resources.limits.pids limits processes',
    dns: noNetworks,
    dns_search: noNetworks,
    extra_hosts: noNetworks,
    init: 'the image decides its init process',
    platform: 'each board pulls the image for its own platform',
    pull_policy: 'boards pull an image when they do not have it',
    profiles: 'every service in a stack file is deployed',
    scale: 'use deploy.replicas',
    mem_limit: 'use deploy.resources.limits.memory',
    mem_reservation: 'use deploy.resources.reservations.memory',
    cpus: 'use deploy.resources.limits.cpus',
    pids_limit: 'use deploy.resources.limits.pids',
    shm_size: 'the spec has no shared memory size yet',
    tty: 'tasks have no terminal',
    stdin_open: 'tasks have no terminal',
    security_opt: 'security options cannot be changed',
    extends: noFiles,
  },
  extensions: true,
};

export const deployKeys: KeyRules = {
  subject: 'deploy',
  supported: ['mode', 'replicas', 'placement', 'resources', 'restart_policy', 'update_config', 'rollback_config'],
  unsupported: {
    endpoint_mode: 'there is no virtual IP or DNS round robin: tasks are reached on the nodes that run them',
    labels: 'a service has one set of labels in edgectl; write them under the service\'s labels',
  },
  extensions: false,
};

export const placementKeys: KeyRules = {
  subject: 'deploy.placement',
  supported: ['constraints', 'preferences', 'max_replicas_per_node'],
  unsupported: {},
  extensions: false,
};

export const preferenceKeys: KeyRules = {
  subject: 'a placement preference',
  supported: ['spread'],
  unsupported: {},
  extensions: false,
};

export const resourcesKeys: KeyRules = {
  subject: 'deploy.resources',
  supported: ['limits', 'reservations'],
  unsupported: {},
  extensions: false,
};

export const limitsKeys: KeyRules = {
  subject: 'deploy.resources.limits',
  supported: ['memory', 'cpus', 'pids'],
  unsupported: {},
  extensions: false,
};

export const reservationsKeys: KeyRules = {
  subject: 'deploy.resources.reservations',
  supported: ['memory'],
  unsupported: {
    cpus: 'the scheduler reserves memory only; limit CPU with deploy.resources.limits.cpus',
    devices: 'devices cannot be reserved yet',
    generic_resources: 'generic resources cannot be reserved yet',
  },
  extensions: false,
};

export const restartPolicyKeys: KeyRules = {
  subject: 'deploy.restart_policy',
  supported: ['condition', 'delay', 'max_attempts', 'window'],
  unsupported: {},
  extensions: false,
};

export const updateConfigKeys: KeyRules = {
  subject: 'an update or rollback config',
  supported: ['parallelism', 'delay', 'monitor', 'failure_action', 'max_failure_ratio', 'order'],
  unsupported: {},
  extensions: false,
};

export const healthcheckKeys: KeyRules = {
  subject: 'healthcheck',
  supported: ['test', 'interval', 'timeout', 'retries', 'start_period', 'disable'],
  unsupported: { start_interval: 'probes run at interval from the start' },
  extensions: false,
};

export const portKeys: KeyRules = {
  subject: 'a port',
  supported: ['target', 'published', 'protocol', 'mode'],
  unsupported: {
    host_ip: 'ports are published on every address of the node',
    name: 'ports have no names in edgectl',
    app_protocol: 'ports have no application protocol in edgectl',
  },
  extensions: true,
};

export const serviceVolumeKeys: KeyRules = {
  subject: 'a service volume',
  supported: ['type', 'source', 'target', 'read_only'],
  unsupported: {
    bind: 'bind options (propagation, create_host_path) cannot be set',
    volume: 'volume options (nocopy, subpath) cannot be set',
    tmpfs: 'the spec has no tmpfs mounts yet',
    consistency: 'mount consistency cannot be set',
  },
  extensions: true,
};

export const topLevelVolumeKeys: KeyRules = {
  subject: 'a named volume',
  supported: ['driver'],
  unsupported: {
    driver_opts: 'the local driver takes no options in edgectl',
    external: 'external volumes are not supported yet; declare the volume without it and the stack creates it (named <stack>_<key>)',
    labels: 'volumes have no labels in edgectl',
    name: 'a volume is named by its key (with the stack name in front)',
  },
  extensions: true,
};
