// Replaced at bundle time by esbuild's `define`; "dev" when run from source.
declare const EDGE_VERSION: string | undefined;
export const version: string = typeof EDGE_VERSION === 'string' ? EDGE_VERSION : 'dev';
