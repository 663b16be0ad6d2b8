/**
 * A typed, located view of a parsed YAML document. Each YamlValue knows its
 * dotted path ("services.web.deploy.replicas") and the line a person should
 * look at, and reading it as the wrong type records a problem and yields
 * null instead of throwing, so one pass finds every problem in a file.
 *
 * Aliases are followed and "<<" merge keys are expanded (Compose files use
 * both for shared settings). Each node visited counts against
 * yamlNodesVisitedMax, so aliases of aliases cannot blow up the walk.
 */
import { isAlias, isMap, isScalar, isSeq, type Alias, type Document, type LineCounter, type Node, type YAMLMap } from 'yaml';
import { SpecError, type SpecErrorCode } from './errors.js';
import { explainKey, type KeyRules } from './key-rules.js';
import { yamlNodesVisitedMax } from './limits.js';
import { childPath } from './paths.js';
import type { ProblemList } from './problem-list.js';

/** Thrown when a file makes the walk visit too many nodes; parseStack turns it into one problem. */
export class YamlTooLarge extends Error {}

export type YamlKind = 'map' | 'list' | 'string' | 'number' | 'boolean' | 'null';

export class YamlSource {
  private visited = 0;
  private readonly aliasTargets = new Map<Alias, Node | null>();

  constructor(
    readonly fileName: string,
    private readonly document: Document,
    private readonly lineCounter: LineCounter,
    readonly problems: ProblemList,
  ) {}

  lineAt(offset: number | undefined): number {
    return offset === undefined ? 1 : this.lineCounter.linePos(offset).line;
  }

  /** The node an alias points at, or the node itself; counts the visit. */
  resolve(node: unknown): Node | null {
    this.visited += 1;
    if (this.visited > yamlNodesVisitedMax) throw new YamlTooLarge();
    if (isAlias(node)) {
      // Alias.resolve searches the whole document; each alias is resolved once and remembered.
      let target = this.aliasTargets.get(node);
      if (target === undefined) {
        target = (node.resolve(this.document) as Node | undefined) ?? null;
        this.aliasTargets.set(node, target);
      }
      return target;
    }
    return (node as Node | null | undefined) ?? null;
  }

  root(): YamlValue {
    const contents = this.resolve(this.document.contents);
    return new YamlValue(this, contents, '', this.lineAt(contents?.range?.[0]));
  }
}

/** A map entry with its key as text. */
export interface YamlEntry {
  key: string;
  value: YamlValue;
}

export class YamlValue {
  constructor(
    private readonly source: YamlSource,
    readonly node: Node | null,
    readonly path: string,
    readonly line: number,
  ) {}

  get kind(): YamlKind {
    const node = this.node;
    if (isMap(node)) return 'map';
    if (isSeq(node)) return 'list';
    if (!isScalar(node)) return 'null';
    const value = node.value;
    if (typeof value === 'string') return 'string';
    if (typeof value === 'number' || typeof value === 'bigint') return 'number';
    if (typeof value === 'boolean') return 'boolean';
    return 'null';
  }

  /** "a list", "the number 3": how a message names what was found. */
  describe(): string {
    const kind = this.kind;
    if (kind === 'map') return 'a map';
    if (kind === 'list') return 'a list';
    if (kind === 'null') return 'empty (null)';
    const value = String((this.node as { value: unknown }).value);
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return kind === 'string' ? `the string "${shown}"` : `the ${kind} ${shown}`;
  }

  get where(): string {
    return `${this.source.fileName}:${this.line}`;
  }

  /** Records `${path} ${predicate}`: "services.web.depends_on is not supported…". */
  report(code: SpecErrorCode, predicate: string): null {
    this.source.problems.add({ code, where: this.where, line: this.line, path: this.path, message: `${this.path} ${predicate}` });
    return null;
  }

  /** Records `${path}: ${detail}`, the form for a value a parser refused. */
  reportDetail(code: SpecErrorCode, detail: string): null {
    this.source.problems.addDetail(code, { where: this.where, line: this.line }, this.path, detail);
    return null;
  }

  wrongType(expected: string): null {
    return this.report('EDGE_SPEC_BAD_TYPE', `must be ${expected}, not ${this.describe()}`);
  }

  /** Runs a value parser on this value's text; a SpecError becomes a problem here. */
  parse<T>(text: string, parser: (text: string) => T): T | null {
    try {
      return parser(text);
    } catch (error) {
      if (!(error instanceof SpecError)) throw error;
      return this.reportDetail(error.code, error.message);
    }
  }

  child(key: string, node: unknown, line: number): YamlValue {
    return new YamlValue(this.source, this.source.resolve(node), childPath(this.path, key), line);
  }

  /** A string scalar, with Compose's "$$" escape applied (see interpolated()). */
  string(): string | null {
    if (this.kind !== 'string') return this.wrongType('a string');
    return this.interpolated(String((this.node as { value: unknown }).value));
  }

  /** A string, number or boolean as text, for values Compose lets people write unquoted (env values, ports, sizes). */
  text(): string | null {
    const kind = this.kind;
    if (kind !== 'string' && kind !== 'number' && kind !== 'boolean') return this.wrongType('a string or a number');
    const raw = (this.node as { value: unknown; source?: string }).value;
    return kind === 'string' ? this.interpolated(String(raw)) : String(raw);
  }

  integer(bounds: { min: number; max: number }): number | null {
    // Compose's schema allows a quoted number here too ("3"), so both forms count.
    const raw = this.kind === 'number' || this.kind === 'string' ? String((this.node as { value: unknown }).value).trim() : '';
    const value = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value)) return this.wrongType(`a whole number from ${bounds.min} to ${bounds.max}`);
    if (value < bounds.min || value > bounds.max) return this.report('EDGE_SPEC_BAD_VALUE', `must be from ${bounds.min} to ${bounds.max}, not ${value}`);
    return value;
  }

  /** A number, also accepted as a numeric string ("0.5"), as Compose writes cpus. */
  number(bounds: { min: number; max: number }): number | null {
    const text = this.kind === 'number' || this.kind === 'string' ? String((this.node as { value: unknown }).value).trim() : '';
    const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isFinite(value)) return this.wrongType(`a number from ${bounds.min} to ${bounds.max}`);
    if (value < bounds.min || value > bounds.max) return this.report('EDGE_SPEC_BAD_VALUE', `must be from ${bounds.min} to ${bounds.max}, not ${value}`);
    return value;
  }

  boolean(): boolean | null {
    if (this.kind !== 'boolean') return this.wrongType('true or false');
    return Boolean((this.node as { value: unknown }).value);
  }

  /** List items, each located at its own line; null (after a problem) when this is not a list. */
  items(countMax: number): YamlValue[] | null {
    if (!isSeq(this.node)) return this.wrongType('a list');
    if (this.node.items.length > countMax) return this.report('EDGE_SPEC_TOO_LARGE', `has ${this.node.items.length} entries; at most ${countMax} are allowed`);
    return this.node.items.map((item, index) => {
      const resolved = this.source.resolve(item);
      const offset = (item as Node | null)?.range?.[0] ?? resolved?.range?.[0];
      return new YamlValue(this.source, resolved, `${this.path}[${index}]`, offset === undefined ? this.line : this.source.lineAt(offset));
    });
  }

  /** Entries of a map whose keys are data (service names, variable names); null when this is not a map. */
  entries(countMax: number): YamlEntry[] | null {
    if (!isMap(this.node)) return this.wrongType('a map');
    const pairs = this.pairsOf(this.node, 0);
    if (pairs.length > countMax) return this.report('EDGE_SPEC_TOO_LARGE', `has ${pairs.length} entries; at most ${countMax} are allowed`);
    const entries: YamlEntry[] = [];
    for (const pair of pairs) {
      const keyNode = pair.key;
      const line = this.source.lineAt(keyNode?.range?.[0]);
      const keyValue = isScalar(keyNode) ? keyNode.value : undefined;
      if (typeof keyValue !== 'string' && typeof keyValue !== 'number') {
        new YamlValue(this.source, keyNode, this.path, line).report('EDGE_SPEC_BAD_TYPE', 'has a key that is not a string');
        continue;
      }
      entries.push({ key: String(keyValue), value: this.child(String(keyValue), pair.value, line) });
    }
    return entries;
  }

  /**
   * Entries of a map with a fixed set of keys: unknown and unsupported keys
   * are reported (and left out), "x-*" keys are skipped where Compose allows
   * them. Null when this is not a map.
   */
  fields(rules: KeyRules): Map<string, YamlValue> | null {
    const entries = this.entries(rules.supported.length + Object.keys(rules.unsupported).length + 64);
    if (entries === null) return null;
    const fields = new Map<string, YamlValue>();
    for (const { key, value } of entries) {
      if (rules.supported.includes(key)) fields.set(key, value);
      else if (rules.extensions && key.startsWith('x-')) continue;
      else {
        const { code, predicate } = explainKey(key, rules);
        value.report(code, predicate);
      }
    }
    return fields;
  }

  /** Pairs of a map with "<<" merges expanded; keys written in the map win over merged ones. */
  private pairsOf(map: YAMLMap, depth: number): Array<{ key: Node | null; value: unknown }> {
    const explicit: Array<{ key: Node | null; value: unknown }> = [];
    const merged: Array<{ key: Node | null; value: unknown }> = [];
    for (const pair of map.items) {
      const key = pair.key as Node | null;
      if (isScalar(key) && typeof key.value === 'symbol') merged.push(...this.mergedPairs(pair.value, depth));
      else explicit.push({ key, value: pair.value });
    }
    const seen = new Set(explicit.map((pair) => keyText(pair.key)));
    for (const pair of merged) {
      const text = keyText(pair.key);
      if (seen.has(text)) continue;
      seen.add(text);
      explicit.push(pair);
    }
    return explicit;
  }

  private mergedPairs(value: unknown, depth: number): Array<{ key: Node | null; value: unknown }> {
    const resolved = this.source.resolve(value);
    const sources = isSeq(resolved) ? resolved.items.map((item) => this.source.resolve(item)) : [resolved];
    const pairs: Array<{ key: Node | null; value: unknown }> = [];
    for (const source of sources) {
      if (!isMap(source) || depth > 8) {
        this.report('EDGE_SPEC_BAD_YAML', 'has a "<<" merge key whose value is not a map (or a list of maps), or merges nest too deep');
        continue;
      }
      pairs.push(...this.pairsOf(source, depth + 1));
    }
    return pairs;
  }

  /**
   * Compose substitutes ${VAR} and $VAR from the deploying shell. A fleet's
   * file must mean the same wherever it is deployed, so edgectl does not
   * substitute; a "$" that Compose would treat as a variable is refused, and
   * "$$" (Compose's escape) becomes "$", so a file means the same to both.
   */
  private interpolated(text: string): string | null {
    if (text.replaceAll('$$', '').includes('$')) {
      return this.report('EDGE_SPEC_UNSUPPORTED_VALUE', 'uses "$", which Compose reads as a variable from the deploying shell; edgectl does not substitute variables, so write the value itself (or $$ for a literal $)');
    }
    return text.replaceAll('$$', '$');
  }
}

function keyText(key: Node | null): string {
  return isScalar(key) ? String(key.value) : '';
}
