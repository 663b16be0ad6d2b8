/**
 * Dotted paths that name a key in messages and diffs: "deploy.replicas",
 * "env.LOG". A key that is not a plain word (label keys hold dots) goes in
 * brackets, so the path still reads back unambiguously: labels["com.example.tier"].
 */
export function childPath(parent: string, key: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}
