import { createContext, runInContext, type Context } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { highlightCss, highlightScript } from '../../core/docs/highlight.js';

type Highlight = (code: string, template: boolean) => string;

/** Runs the page script in a fresh context, as a browser would, and returns its context. */
function loadPage(): { highlight: Highlight; context: Context } {
  const window: { etlHighlight?: Highlight } = {};
  const context = createContext({ window });
  runInContext(highlightScript(), context);
  if (window.etlHighlight === undefined) throw new Error('etlHighlight was not defined');
  return { highlight: window.etlHighlight, context };
}

const { highlight } = loadPage();

/** What a browser would show: tags stripped, entities decoded. */
function textOf(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The output only has markup of its own: `<span class="...">` and `</span>`. */
function onlySpans(html: string): boolean {
  return html.replace(/<span class="[\w -]+">|<\/span>/g, '').match(/[<>]/) === null;
}

describe('highlightScript', () => {
  it('is cached, inlinable and free of </script and <!--', () => {
    const script = highlightScript();
    expect(highlightScript()).toBe(script);
    expect(script).not.toMatch(/<\/script/i);
    expect(script).not.toContain('<!--');
    expect(script).toContain('etlHighlight');
  });

  it('marks SQL keywords, strings, numbers and comments', () => {
    const html = highlight("select a, 'x' from t where b = 1 -- why", false);
    expect(html).toContain('<span class="hljs-keyword">select</span>');
    expect(html).toContain('<span class="hljs-keyword">from</span>');
    expect(html).toContain('<span class="hljs-keyword">where</span>');
    expect(html).toContain('<span class="hljs-string">&#x27;x&#x27;</span>');
    expect(html).toContain('<span class="hljs-number">1</span>');
    expect(html).toContain('<span class="hljs-comment">-- why</span>');
  });

  it('escapes HTML inside SQL strings, identifiers and comments', () => {
    const code = `select '<script>alert(1)</script>' as "<img src=x onerror=alert(1)>" -- </pre><b>`;
    for (const template of [false, true]) {
      const html = highlight(code, template);
      expect(html).not.toMatch(/<script|<img|<\/pre|<b>/i);
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(onlySpans(html)).toBe(true);
      expect(textOf(html)).toBe(code);
    }
  });

  it('leaves its placeholder identifier unhighlighted', () => {
    expect(highlight('select etltpl0x from etltpl1x', false)).toBe(
      '<span class="hljs-keyword">select</span> etltpl0x <span class="hljs-keyword">from</span> etltpl1x',
    );
  });

  it('wraps each template tag by kind, verbatim', () => {
    const html = highlight(
      "{# orders #}\nselect {{ ref('x') }} from t {% if full %}where 1 = 1{% endif %}",
      true,
    );
    expect(html).toContain('<span class="hljs-comment">{# orders #}</span>');
    expect(html).toContain('<span class="hljs-template-variable">{{ ref(&#x27;x&#x27;) }}</span>');
    expect(html).toContain('<span class="hljs-template-tag">{% if full %}</span>');
    expect(html).toContain('<span class="hljs-template-tag">{% endif %}</span>');
    expect(html).toContain('<span class="hljs-keyword">where</span>');
  });

  it('keeps a tag whole when a string inside it holds the closing delimiter', () => {
    const html = highlight(`select {{ var("a}}b") }} as x, {{ {'k': 1}['k'] }} as y`, true);
    expect(html).toContain(
      '<span class="hljs-template-variable">{{ var(&quot;a}}b&quot;) }}</span>',
    );
    expect(html).toContain(
      '<span class="hljs-template-variable">{{ {&#x27;k&#x27;: 1}[&#x27;k&#x27;] }}</span>',
    );
  });

  it('restores a tag that falls inside a SQL string or comment', () => {
    const html = highlight('select \'{{ ref("x") }}\' as s -- from {{ this }}', true);
    expect(html).toContain(
      '<span class="hljs-string">&#x27;<span class="hljs-template-variable">{{ ref(&quot;x&quot;) }}</span>&#x27;</span>',
    );
    expect(html).toContain('<span class="hljs-template-variable">{{ this }}</span>');
  });

  it.each([
    ["select * from {{ ref('orders') }}"],
    [
      [
        "{{ config(materialized='incremental', unique_key='id') }}",
        '{# one row per order;',
        '   spans lines #}',
        'select',
        '  o.id,',
        '  \'{{ ref("x") }}\' as literal,',
        '  {{ var("cutoff", 10) }} as cutoff',
        "from {{ source('raw', 'orders') }} o",
        '{%- if is_incremental() %}',
        "where o.ts >= '{{ window.start }}'",
        '  {% if var("strict") %}and o.ok{% endif %}',
        '{% endif -%}',
      ].join('\n'),
    ],
    ['{% for c in ["a", "b"] %}\n  , {{ c }}_total\n{% endfor %}'],
    ['select 1 {{ unterminated'],
    ['select {%if%}{{a}}{#b#}{{c}}{% endif %}etltpl0x etltplq1x'],
    ['select $$ {{ x }} $$, $1, e\'\\n{# y #}\', "{{ z }}" from t'],
    ['/* {{ a }} */ select {{ b }}::int, <<lbl>> & {{ c }}'],
  ])('round-trips the text of template %#', (code) => {
    const html = highlight(code, true);
    expect(textOf(html)).toBe(code);
    expect(onlySpans(html)).toBe(true);
  });

  it('round-trips any text, template or not', () => {
    const alphabet = fc.constantFrom(
      ...['{', '}', '%', '#', '{{', '}}', '{%', '%}', '{#', '#}', "'", '"', '\\', '<', '>', '&'],
      ...[
        ' ',
        '\n',
        '--',
        '/*',
        '*/',
        '$$',
        '$1',
        'select',
        'from',
        'etltpl0x',
        'x',
        '1',
        '(',
        ')',
      ],
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 40 }), fc.boolean(), (parts, template) => {
        const code = parts.join('');
        const html = highlight(code, template);
        return textOf(html) === code && onlySpans(html);
      }),
      { numRuns: 500 },
    );
  });

  it('falls back to escaped plain text when highlighting throws', () => {
    const { highlight: broken, context } = loadPage();
    runInContext("String.prototype.charAt = function () { throw new Error('boom'); };", context);
    expect(broken("select '<b>' from {{ ref('x') }}", true)).toBe(
      'select &#x27;&lt;b&gt;&#x27; from {{ ref(&#x27;x&#x27;) }}',
    );
  });
});

/** WCAG relative luminance of `#rrggbb`. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const v = parseInt(hex.slice(i, i + 2), 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

describe('highlightCss', () => {
  const css = highlightCss();
  const darkAt = css.indexOf('@media (prefers-color-scheme: dark)');
  const colours = (text: string): string[] =>
    [...text.matchAll(/color: (#[0-9a-f]{6})/g)].map((m) => m[1] ?? '');

  it('scopes every rule under pre.sql', () => {
    const selectors = [...css.matchAll(/([^{}]+)\{/g)]
      .map((m) => (m[1] ?? '').trim())
      .filter((s) => !s.startsWith('@media'));
    expect(selectors.length).toBeGreaterThan(8);
    for (const list of selectors) {
      for (const selector of list.split(',')) expect(selector.trim()).toMatch(/^pre\.sql \.hljs-/);
    }
  });

  it('styles the classes pgsql and the template tags emit', () => {
    for (const c of [
      'keyword',
      'built_in',
      'type',
      'string',
      'number',
      'comment',
      'meta',
      'symbol',
    ]) {
      expect(css).toContain(`pre.sql .hljs-${c}`);
    }
    expect(css).toContain('pre.sql .hljs-template-tag');
    expect(css).toContain('pre.sql .hljs-template-variable');
  });

  it('meets WCAG AA (4.5:1) on the light and dark panels', () => {
    expect(darkAt).toBeGreaterThan(0);
    const light = colours(css.slice(0, darkAt));
    const dark = colours(css.slice(darkAt));
    expect(light.length).toBeGreaterThan(5);
    expect(dark.length).toBe(light.length);
    for (const c of light) expect(contrast(c, '#f5f5f7'), c).toBeGreaterThanOrEqual(4.5);
    for (const c of dark) expect(contrast(c, '#222228'), c).toBeGreaterThanOrEqual(4.5);
  });
});
