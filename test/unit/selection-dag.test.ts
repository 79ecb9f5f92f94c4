import { describe, expect, it } from 'vitest';
import { renderDag } from '../../cli/commands/dag.js';
import { selectNodes } from '../../core/compile/selection.js';
import { compileFiles } from '../helpers/compile.js';

const compiled = compileFiles({
  'seeds/raw.csv': 'id\n1\n',
  'models/stg.sql': "select * from {{ ref('raw') }}",
  'models/a.sql': "{{ config(materialized='table') }} select * from {{ ref('stg') }}",
  'models/b.sql': "select * from {{ ref('a') }}, {{ ref('raw') }}",
  'models/c.sql': 'select 1 as x',
});

describe('etl dag -s', () => {
  it('shows the selected nodes and only the edges between them', () => {
    const shown = selectNodes(compiled, ['stg+'], ['a']);
    // stg's parent and b's parents are not shown: no arrows.
    expect(renderDag(compiled, 'text', shown)).toBe('stg   view\nb     view\n');
  });

  it('keeps an edge when both ends are shown', () => {
    const json = JSON.parse(renderDag(compiled, 'json', selectNodes(compiled, ['1+b']))) as {
      nodes: { name: string; depends_on: string[] }[];
    };
    expect(json.nodes.map((n) => [n.name, n.depends_on])).toEqual([
      ['raw', []],
      ['a', []],
      ['b', ['a', 'raw']],
    ]);
  });

  it('shows everything without a selection', () => {
    expect(renderDag(compiled, 'mermaid')).toContain('  stg --> a');
    expect(renderDag(compiled, 'mermaid', new Set(['a', 'b']))).not.toContain('stg');
  });
});
