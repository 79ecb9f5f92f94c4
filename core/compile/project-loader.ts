import { readFileSync, realpathSync } from 'node:fs';
import { posix, relative, resolve, sep } from 'node:path';
import nunjucks from 'nunjucks';
import type { MacroLibrary } from './macros.js';

/**
 * A Nunjucks loader for `{% include %}`/`{% import %}` that only serves files inside the project.
 * The check is on real paths with a separator, so neither `../`, a symlink out of the
 * project, nor a sibling folder whose name starts like the project's gets through.
 */
export class ProjectLoader extends nunjucks.Loader {
  private readonly root: string;
  private readonly texts = new Map<string, string>();
  /** Project-relative names of the files loaded since the last `takeLoaded()`. */
  private loaded = new Set<string>();
  /** Macro files by project-relative name: served rewritten and compiled once. */
  private readonly macros: ReadonlyMap<string, string>;

  constructor(root: string, macros?: MacroLibrary) {
    super();
    this.root = realpathSync(root);
    this.macros = new Map(macros?.files.map((f) => [f.file, f.text]));
  }

  /**
   * Resolve a relative include (`./x`, `../x`) against the including file, as a
   * project-relative name. Nunjucks' default resolves it against the process's directory.
   */
  override resolve(from: string, to: string): string {
    return posix.normalize(posix.join(posix.dirname(from), to));
  }

  getSource(name: string): nunjucks.LoaderSource {
    const candidate = resolve(this.root, name);
    let real: string;
    try {
      real = realpathSync(candidate);
    } catch {
      throw new Error(`template not found: ${name}`);
    }
    if (!real.startsWith(this.root + sep))
      throw new Error(`include outside the project is not allowed: ${name}`);
    const rel = relative(this.root, real).split(sep).join('/');
    const macro = this.macros.get(rel);
    // Every template imports every macro file at every render: those are compiled once. What
    // a macro writes reaches fingerprints through the rendered SQL.
    if (macro !== undefined) return { src: macro, path: rel, noCache: false };
    let src = this.texts.get(real);
    if (src === undefined) {
      src = readFileSync(real, 'utf8');
      this.texts.set(real, src);
    }
    this.loaded.add(rel);
    // noCache: Nunjucks would otherwise skip getSource on later renders, and the loaded set
    // (which feeds fingerprints) would miss the include.
    return { src, path: rel, noCache: true };
  }

  /** The text of a loaded file, by project-relative name. */
  text(rel: string): string | undefined {
    return this.texts.get(resolve(this.root, rel));
  }

  /** The files loaded since the previous call, and reset. */
  takeLoaded(): string[] {
    const names = [...this.loaded].sort();
    this.loaded = new Set();
    return names;
  }
}
