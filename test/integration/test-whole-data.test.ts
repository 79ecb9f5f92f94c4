import { afterEach, describe, expect, it } from 'vitest';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import { runCli } from '../helpers/run-cli.js';

let project: TempProject | undefined;
afterEach(() => {
  project?.cleanup();
  project = undefined;
});

/** Ten days of events; the amount of one event on the 8th is missing. */
function make(): TempProject {
  const rows = Array.from({ length: 10 }, (_, i) => {
    const day = String(i + 1).padStart(2, '0');
    return `${i + 1},${(i % 3) + 1},2024-01-${day} 10:00:00,${i === 7 ? '' : '5.00'}`;
  });
  project = tempProject({
    'seeds/events.csv': `id,customer_id,ts,amount\n${rows.join('\n')}\n`,
    'seeds/customers.csv': 'id,name\n1,ada\n2,grace\n3,edsger\n',
    'models/daily.sql': `{{ config(materialized='incremental', time_column='day', start='2024-01-01') }}
select ts::date as day, customer_id, sum(amount) as amount
from {{ ref('events') }} where ts >= {{ start }} and ts < {{ end }} group by all`,
    'models/dim_customers.sql': `{{ config(materialized='table') }}select id, name from {{ ref('customers') }}`,
    'models/schema.yml': `models:
  - name: daily
    columns:
      - name: amount
        tests: [not_null]
      - name: customer_id
        tests:
          - relationships: {to: ref('dim_customers'), field: id}
`,
  });
  return project;
}

describe('etl test builds the whole seed data', () => {
  it('a bad row on a later day fails the test; the range can be narrowed', () => {
    const p = make();
    const all = runCli(['test'], p.root);
    expect(all.stdout).toMatch(/FAIL .*not_null.*daily.*amount/);
    expect(all.stdout).toMatch(/1 row with a null amount, e.g. {day: 2024-01-08/);
    expect(all.code).toBe(1);
    // The relationships test reads another model, built in the same throwaway database.
    expect(all.stdout).toMatch(/PASS .*relationships/);
    const early = runCli(['test', '--to', '2024-01-05'], p.root);
    expect(early.stdout).toMatch(/PASS .*not_null/);
    expect(early.code).toBe(0);
    const late = runCli(['test', '--from', '2024-01-08', '--to', '2024-01-08'], p.root);
    expect(late.code).toBe(1);
  });

  it('flags that contradict are usage errors', () => {
    const p = make();
    const both = runCli(['test', '--date', '2024-01-02', '--from', '2024-01-01'], p.root);
    expect(both.code).toBe(2);
    const reversed = runCli(['test', '--from', '2024-01-05', '--to', '2024-01-01'], p.root);
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toMatch(/--from 2024-01-05 is after --to 2024-01-01/);
  });
});
