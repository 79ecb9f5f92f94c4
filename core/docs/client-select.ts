/**
 * The site's search: the CLI's selector grammar, in the browser (inlined into the page's
 * script, where `nodes`, `walk`, `parents` and `kids` are in scope). Terms split by spaces
 * are a union, parts split by commas an intersection; a part is `[@][N+]method:value[+N]`
 * with the methods of `-s`: a name or glob, `tag:`, `path:`, `config.KEY:`, `source:` (the
 * source nodes themselves: `source:raw.orders+` are its readers and downstream), and, here,
 * `state:` for the models with windows in that state (`state:failed`, `state:stale`...). A plain word
 * that names nothing finds the names that contain it, as a search box should.
 */
export const SELECT_JS = String.raw`
  const PART = /^(@)?(?:(\d*)\+)?(?:([\w.]+):)?(.*?)(?:\+(\d*))?$/;
  const isGlob = (v) => /[*?[]/.test(v);
  const matcher = (v) => {
    if (!isGlob(v)) return (x) => x === v;
    const re = new RegExp('^' + v.replace(/[.+^$|(){}\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
    return (x) => re.test(x);
  };
  const everyNode = [...nodes.values()];
  const names = (list) => list.map((n) => n.name);
  function starts(method, value) {
    if (method === undefined) {
      const m = matcher(value);
      const found = names(everyNode.filter((n) => m(n.name)));
      return found.length > 0 || isGlob(value) ? found : names(everyNode.filter((n) => n.name.includes(value)));
    }
    if (method === 'tag') {
      const m = matcher(value);
      return names(everyNode.filter((n) => (n.config.tags || []).some(m)));
    }
    if (method === 'path') {
      const m = matcher(value.replace(/^\.\//, '').replace(/\/+$/, ''));
      return names(everyNode.filter((n) => {
        const parts = (n.file || '').split('/');
        return n.file && parts.some((_, i) => m(parts.slice(0, parts.length - i).join('/')));
      }));
    }
    if (method.startsWith('config.')) {
      const key = method.slice('config.'.length);
      return names(everyNode.filter((n) => {
        const v = n.kind === 'model' ? n.config[key] : undefined;
        return Array.isArray(v) ? v.map(String).includes(value) : v !== undefined && v !== null && String(v) === value;
      }));
    }
    if (method === 'source') {
      const dot = value.indexOf('.');
      const group = matcher(dot < 0 ? value : value.slice(0, dot));
      const table = matcher(dot < 0 ? '*' : value.slice(dot + 1));
      return names(everyNode.filter((n) => {
        const at = n.name.indexOf('.');
        return n.kind === 'source' && group(n.name.slice(0, at)) && table(n.name.slice(at + 1));
      }));
    }
    if (method === 'state') {
      // Models with windows in that state (a model with 90 stale windows of 1,000 is stale).
      const having = new Set(data.partitions.filter((p) => (p.counts[value] || 0) > 0).map((p) => p.name));
      return names(everyNode.filter((n) => having.has(n.name)));
    }
    return [];
  }
  const depth = (d) => (d === undefined ? 0 : d === '' ? Infinity : Number(d));
  function select(text) {
    const out = new Set();
    for (const term of text.trim().split(/\s+/).filter(Boolean)) {
      let inTerm;
      for (const part of term.split(',')) {
        const m = PART.exec(part);
        const picked = new Set();
        if (m && m[4] !== '') {
          const up = m[1] ? Infinity : depth(m[2]);
          const down = m[1] ? Infinity : depth(m[5]);
          for (const b of starts(m[3], m[4])) {
            picked.add(b);
            for (const d of walk(b, kids, down)) picked.add(d);
            if (m[1]) for (const d of walk(b, kids, Infinity)) for (const a of walk(d, parents, Infinity)) picked.add(a);
            for (const a of walk(b, parents, up)) picked.add(a);
          }
        }
        inTerm = inTerm === undefined ? picked : new Set([...inTerm].filter((n) => picked.has(n)));
      }
      for (const n of inTerm || []) out.add(n);
    }
    return out;
  }
`;
