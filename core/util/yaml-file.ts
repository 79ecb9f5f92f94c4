import { LineCounter, isMap, isScalar, parseDocument, visit, type Document } from 'yaml';
import { ProjectError, type SourceLocation } from '../errors.js';

/** Files parsed by {@link YamlFile.parseFile}, or the error parsing them gave. */
const parsedFiles = new WeakMap<object, YamlFile | ProjectError>();

/** A parsed YAML file that can tell the line of any key or value by its path. */
export class YamlFile {
  readonly file: string;
  readonly value: unknown;
  private readonly doc: Document;
  private readonly lines: LineCounter;

  private constructor(file: string, doc: Document, lines: LineCounter) {
    this.file = file;
    this.doc = doc;
    this.lines = lines;
    try {
      this.value = doc.toJS({ maxAliasCount: 100 }) as unknown;
    } catch (error) {
      // An alias that expands too far (a "billion laughs" file) is refused, not expanded.
      if (!(error instanceof ReferenceError)) throw error;
      let offset: number | undefined;
      visit(doc, {
        Alias(_key, node) {
          offset = node.range?.[0];
          return visit.BREAK;
        },
      });
      const pos = offset === undefined ? undefined : lines.linePos(offset);
      throw new ProjectError(
        'E_YAML',
        `invalid YAML: its aliases expand too far (more than 100 copies): ${error.message.toLowerCase()}`,
        { file, ...(pos ? { line: pos.line, column: pos.col } : {}) },
        { hint: 'write the values out, or use fewer nested aliases (*name)' },
      );
    }
  }

  /**
   * Parse a project file, once for all its readers (a schema file is read for models'
   * config, for docs and tests, and for sources): by the object that holds its text.
   */
  static parseFile(file: { readonly relPath: string; readonly text: string }): YamlFile {
    const had = parsedFiles.get(file);
    if (had instanceof YamlFile) return had;
    if (had !== undefined) throw had;
    try {
      const yaml = YamlFile.parse(file.relPath, file.text);
      parsedFiles.set(file, yaml);
      return yaml;
    } catch (error) {
      if (error instanceof ProjectError) parsedFiles.set(file, error);
      throw error;
    }
  }

  /** Parse `text`; a syntax error is a ProjectError at its line and column. */
  static parse(file: string, text: string): YamlFile {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const [error] = doc.errors;
    if (error) {
      const pos = lines.linePos(error.pos[0]);
      const message = error.message.split('\n')[0] ?? error.message;
      throw new ProjectError('E_YAML', `invalid YAML: ${message}`, {
        file,
        line: pos.line,
        column: pos.col,
      });
    }
    return new YamlFile(file, doc, lines);
  }

  /** The location of the value at `path`, or of the key itself when `key` is true. */
  locate(path: readonly (string | number)[], key = false): SourceLocation {
    let offset: number | undefined;
    if (key && path.length > 0) {
      const parent = this.doc.getIn(path.slice(0, -1), true);
      const last = path[path.length - 1];
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last);
        if (pair && isScalar(pair.key)) offset = pair.key.range?.[0];
      }
    }
    if (offset === undefined) {
      const node = this.doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
      offset = node?.range?.[0];
    }
    if (offset === undefined) return { file: this.file };
    const pos = this.lines.linePos(offset);
    return { file: this.file, line: pos.line, column: pos.col };
  }
}
