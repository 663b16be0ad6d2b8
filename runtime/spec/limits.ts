/**
 * Every bound the spec parsers and validateServiceSpec enforce, in one place.
 * A spec travels through Raft to every manager and sits in memory on boards
 * with 512 MiB of RAM, so each list and string has a ceiling; the values are
 * generous for real services and small enough that one bad file cannot bloat
 * the replicated store.
 */

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const TiB = 1024 * GiB;

/** Largest stack file read, bytes. Real stacks are a few KiB. */
export const stackFileBytesMax = 1 * MiB;
/** YAML nodes visited per file, aliases counted each time they are followed (stops "billion laughs"). */
export const yamlNodesVisitedMax = 200_000;
/** Services in one stack file. */
export const stackServicesCountMax = 256;
/** Named volumes declared in one stack file. */
export const stackVolumesCountMax = 256;
/** Problems kept and shown per file or command line; the rest are counted. */
export const problemsShownMax = 20;

/** Service and stack names are DNS labels: at most 63 characters. */
export const serviceNameCharsMax = 63;
/** An image reference: the distribution grammar allows 255 for the name, plus tag and digest. */
export const imageReferenceCharsMax = 512;

/** Arguments in a command or health check command. */
export const commandArgsCountMax = 1024;
/** Bytes of all arguments of a command together. */
export const commandBytesMax = 64 * KiB;

/** Environment variables per service. */
export const envCountMax = 512;
/** Characters in a variable name. */
export const envNameCharsMax = 256;
/** Bytes of one "NAME=value" entry. */
export const envEntryBytesMax = 32 * KiB;
/** Bytes of all entries of a service together. */
export const envBytesMax = 256 * KiB;

/** Labels per service. */
export const labelsCountMax = 256;
/** Characters in a label key. */
export const labelKeyCharsMax = 256;
/** Bytes of one label value. */
export const labelValueBytesMax = 4 * KiB;

/** Published ports per service. */
export const portsCountMax = 64;
/** Mounts per service (the executor takes at most 64 too). */
export const mountsCountMax = 64;
/** Characters in a bind source or a mount target. */
export const pathCharsMax = 4096;
/** Characters in a named volume's name, after the stack prefix. */
export const volumeNameCharsMax = 128;

/** Placement constraints per service. */
export const constraintsCountMax = 32;
/** Spread preferences per service (each is one level of a hierarchy). */
export const spreadCountMax = 8;
/** Characters in a constraint's value. */
export const constraintValueCharsMax = 256;

/** Replicas of a replicated service; also the cap on update parallelism and replicas per node. */
export const replicasMax = 10_000;
/** Smallest memory limit or reservation: the runtime's own setup needs about this much (Docker says 6 MiB too). */
export const memoryBytesMin = 6 * MiB;
/** Largest memory limit or reservation; far beyond any board, it only catches unit mistakes. */
export const memoryBytesMax = 1 * TiB;
/** CPU limit bounds, in cores (the executor accepts the same range). */
export const cpuLimitMin = 0.01;
export const cpuLimitMax = 1024;
/** Largest pids limit: Linux's pid_max ceiling. */
export const pidsLimitMax = 4_194_304;
/** Restart attempts before giving up; 0 means no limit. */
export const restartAttemptsMax = 100_000;

/** Longest duration anywhere in a spec (restart delay, update monitor…): 30 days. */
export const durationMsMax = 30 * 24 * 3600 * 1000;
/**
 * Shortest health check interval. Docker allows 1 ms; each probe is a
 * runtime exec that costs tens of milliseconds of CPU on a Pi, so a floor
 * of 100 ms keeps a typo from pinning a core.
 */
export const healthIntervalMsMin = 100;
/** Health check retries before a task counts as unhealthy. */
export const healthRetriesMax = 1000;
