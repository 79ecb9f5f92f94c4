import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * SQL syntax highlighting for the docs page, done in the browser when a page opens: the page
 * inlines {@link highlightScript} (highlight.js core + the `pgsql` grammar) and
 * {@link highlightCss}, so building docs for many models costs nothing extra and the file still
 * works from `file://` under a CSP that forbids external files.
 */

let cachedScript: string | undefined;

/** One CommonJS file of highlight.js, wrapped so it runs in a page without a module system. */
function wrapCommonJs(specifier: string): string {
  const require = createRequire(import.meta.url);
  const source = readFileSync(require.resolve(specifier), 'utf8');
  // The wrapper provides module/exports only; a nested require would fail in the page.
  if (/\brequire\s*\(/.test(source)) {
    throw new Error(`${specifier} requires other modules; it cannot be inlined as is`);
  }
  return (
    '(function () {\n' +
    'var module = { exports: {} };\n' +
    'var exports = module.exports;\n' +
    source +
    '\nreturn module.exports;\n})()'
  );
}

// Runs in the page. Plain ES5-ish JavaScript kept as text (not a TypeScript function turned into
// a string) so compilation or coverage instrumentation cannot change what ships.
const RUNTIME = String.raw`
hljs.registerLanguage('pgsql', pgsql);
hljs.registerAliases(['sql'], { languageName: 'pgsql' });

function escapeHtml(text) {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#x27;');
}

// Finds {{ ... }}, {% ... %} and {# ... #}. Expressions and statements may hold strings or
// object literals containing the closing delimiter, so those are skipped over (best effort);
// an unterminated tag is left as plain text.
function findTemplateTags(code) {
  var tags = [];
  var i = 0;
  while (i < code.length - 1) {
    var open = code.indexOf('{', i);
    if (open < 0 || open >= code.length - 1) break;
    var kind = code.charAt(open + 1);
    if (kind !== '{' && kind !== '%' && kind !== '#') {
      i = open + 1;
      continue;
    }
    var end = -1;
    if (kind === '#') {
      var close = code.indexOf('#}', open + 2);
      if (close >= 0) end = close + 2;
    } else {
      var closer = kind === '{' ? '}' : '%';
      var depth = 0;
      var j = open + 2;
      while (j < code.length) {
        var c = code.charAt(j);
        if (c === '"' || c === "'") {
          j++;
          while (j < code.length && code.charAt(j) !== c) {
            if (code.charAt(j) === '\\') j++;
            j++;
          }
          j++;
          continue;
        }
        if (depth === 0 && c === closer && code.charAt(j + 1) === '}') {
          end = j + 2;
          break;
        }
        if (c === '{' || c === '[' || c === '(') depth++;
        else if ((c === '}' || c === ']' || c === ')') && depth > 0) depth--;
        j++;
      }
    }
    if (end < 0) {
      i = open + 1;
      continue;
    }
    tags.push({
      start: open,
      text: code.slice(open, end),
      className: kind === '{' ? 'hljs-template-variable' : kind === '%' ? 'hljs-template-tag' : 'hljs-comment'
    });
    i = end;
  }
  return tags;
}

// Rebuilds code with each tag (in order) and each run of text between them rendered.
function splice(code, tags, renderTag, renderText) {
  var out = '';
  var from = 0;
  for (var k = 0; k < tags.length; k++) {
    var at = tags[k].start;
    out += renderText(code.slice(from, at)) + renderTag(tags[k], k);
    from = at + tags[k].text.length;
  }
  return out + renderText(code.slice(from));
}

function same(text) {
  return text;
}

function tagHtml(tag) {
  return '<span class="' + tag.className + '">' + escapeHtml(tag.text) + '</span>';
}

function sqlHtml(code) {
  return hljs.highlight(code, { language: 'pgsql', ignoreIllegals: true }).value;
}

// The placeholder must read as a plain identifier to the grammar and must not already occur in
// the code, or restoring would pick up the wrong text. It is padded with spaces so it never
// merges with a neighbouring word ({% if x %}where); the spaces go when it is restored.
function placeholderPrefix(code) {
  var prefix = 'etltpl';
  while (code.indexOf(prefix) >= 0) prefix += 'q';
  return prefix;
}

function highlightTemplate(code) {
  var tags = findTemplateTags(code);
  if (tags.length === 0) return sqlHtml(code);
  var prefix = placeholderPrefix(code);
  var masked = splice(
    code,
    tags,
    function (_tag, k) {
      return ' ' + prefix + k + 'x ';
    },
    same
  );
  var restored = 0;
  var html = sqlHtml(masked).replace(new RegExp(' ' + prefix + '(\\d+)x ', 'g'), function (whole, n) {
    var tag = tags[Number(n)];
    if (!tag) return whole;
    restored++;
    return tagHtml(tag);
  });
  if (restored === tags.length) return html;
  // A placeholder was split across tokens: keep the tags, drop the SQL colouring.
  return splice(code, tags, tagHtml, escapeHtml);
}

window.etlHighlight = function (code, template) {
  try {
    return template ? highlightTemplate(code) : sqlHtml(code);
  } catch (_error) {
    return escapeHtml(code);
  }
};
`;

/**
 * JavaScript source to inline in a `<script>` of the docs page. It defines
 * `window.etlHighlight(code: string, template: boolean): string`, which returns the code as HTML
 * with highlight.js `hljs-*` spans (all text escaped). With `template` true, Nunjucks tags
 * (`{{ }}`, `{% %}`, `{# #}`) are kept verbatim as `hljs-template-variable`, `hljs-template-tag`
 * and `hljs-comment` spans around the highlighted SQL. If highlighting fails it returns the
 * escaped plain text. The source never contains `</script` or `<!--`.
 */
export function highlightScript(): string {
  if (cachedScript !== undefined) return cachedScript;
  const require = createRequire(import.meta.url);
  const { version } = JSON.parse(
    readFileSync(require.resolve('highlight.js/package.json'), 'utf8'),
  ) as { version: string };
  // highlight.js is BSD-3-Clause: a copy of it carries its copyright notice.
  const script =
    `/*! highlight.js ${version} (core + pgsql) | BSD-3-Clause | Copyright (c) 2006, Ivan Sagalaev */\n` +
    '(function () {\n"use strict";\n' +
    `var hljs = ${wrapCommonJs('highlight.js/lib/core')};\n` +
    `var pgsql = ${wrapCommonJs('highlight.js/lib/languages/pgsql')};\n` +
    RUNTIME +
    '})();\n';
  // Inside an inline <script> these would end the element or change how it is parsed; in
  // strings, regular expressions and comments the escaped forms mean the same.
  cachedScript = script.replace(/<\/script/gi, '<\\/script').replace(/<!--/g, '<\\x21--');
  return cachedScript;
}

const LIGHT = {
  keyword: '#cf222e',
  builtIn: '#953800',
  number: '#0550ae',
  string: '#0a3069',
  comment: '#57606a',
  title: '#6f42c1',
  templateTag: '#116329',
  templateVariable: '#6f42c1',
};

const DARK = {
  keyword: '#ff7b72',
  builtIn: '#ffa657',
  number: '#79c0ff',
  string: '#a5d6ff',
  comment: '#8b949e',
  title: '#d2a8ff',
  templateTag: '#7ee787',
  templateVariable: '#d2a8ff',
};

function tokenRules(colours: typeof LIGHT, indent: string): string {
  const rule = (classes: readonly string[], body: string): string =>
    `${indent}${classes.map((c) => `pre.sql .hljs-${c}`).join(', ')} { ${body} }`;
  return [
    rule(['keyword', 'doctag'], `color: ${colours.keyword};`),
    rule(['built_in', 'type', 'variable', 'symbol'], `color: ${colours.builtIn};`),
    rule(['number', 'literal', 'operator', 'meta', 'attr'], `color: ${colours.number};`),
    rule(['string', 'regexp'], `color: ${colours.string};`),
    rule(['comment', 'quote'], `color: ${colours.comment}; font-style: italic;`),
    rule(['title', 'section'], `color: ${colours.title};`),
    rule(['template-tag'], `color: ${colours.templateTag}; font-weight: 600;`),
    rule(['template-variable'], `color: ${colours.templateVariable}; font-weight: 600;`),
  ].join('\n');
}

/**
 * CSS for the `hljs-*` classes {@link highlightScript} emits, scoped under `pre.sql`: GitHub-like
 * colours with at least 4.5:1 contrast (WCAG AA) on the light panel (`#f5f5f7`) and, under
 * `prefers-color-scheme: dark`, on the dark one (`#222228`). Template comments (`{# #}`) use
 * `hljs-comment`, so they look like SQL comments.
 */
export function highlightCss(): string {
  return (
    `${tokenRules(LIGHT, '')}\n` +
    `pre.sql .hljs-emphasis { font-style: italic; }\n` +
    `pre.sql .hljs-strong { font-weight: 600; }\n` +
    `@media (prefers-color-scheme: dark) {\n${tokenRules(DARK, '  ')}\n}\n`
  );
}
