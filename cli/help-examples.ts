/** Two or three examples per command, shown after its `--help`; each agrees with the README. */
export const EXAMPLES: Readonly<
  Record<string, readonly (readonly [line: string, what: string])[]>
> = {
  etl: [
    ['etl init shop', 'start a project in ./shop'],
    ['etl build', "build yesterday's windows (the nightly job)"],
    ['etl backfill --from 2024-01-01 --to 2024-03-31', 'fill a quarter'],
  ],
  init: [
    ['etl init', 'a starter project in the current directory'],
    ['etl init shop', 'in ./shop'],
  ],
  compile: [
    ['etl compile -s daily_revenue', "one model's SQL"],
    ['etl compile --date 2024-01-17 -s +fct_orders', 'a model and its upstream, for a day'],
    ['etl compile --out target/sql', 'one .sql file per model'],
  ],
  dag: [
    ['etl dag', 'the whole graph, sources included'],
    ['etl dag -s +daily_revenue --format mermaid', 'a model and its upstream, as Mermaid'],
    ['etl dag --format json', 'for scripts'],
  ],
  docs: [
    ['etl docs', 'the site in .etl/docs/index.html: open it in a browser'],
    ['etl docs --out site --date 2024-01-15', 'elsewhere, with SQL compiled for that day'],
    ['etl docs --serve', 'serve it at http://127.0.0.1:8580/; it rebuilds and reloads on changes'],
  ],
  plan: [
    ['etl plan --date 2024-01-17', 'what build --date would do'],
    ['etl plan --from 2024-01-01 --to 2024-03-31 -s +fct_orders', 'what a backfill would do'],
    ['etl plan --date 2024-01-17 --sql -s daily_revenue', 'with the statements each step runs'],
  ],
  seed: [
    ['etl seed', 'reload the seeds whose file changed'],
    ['etl seed -s raw_orders --force', 'reload one seed'],
  ],
  build: [
    ['etl build', 'yesterday (UTC): the nightly job'],
    ['etl build --date 2024-01-17 -s +daily_revenue', 'one day of a model and its upstream'],
    ['etl build --full-refresh -s fct_orders', 'rebuild a model and all its history'],
  ],
  backfill: [
    ['etl backfill --from 2024-01-01 --to 2024-03-31', 'every missing or stale window'],
    ['etl backfill --from 2024-01-01 --to 2024-03-31 -s +fct_orders', 'a model and its upstream'],
    ['etl backfill --from 2024-01-01 --to 2024-01-31 --force --threads 8', 'rebuild done windows'],
  ],
  run: [
    ['etl run', 'catch every incremental model up to now'],
    ['etl run --until 2024-03-31 -s daily_revenue+', 'a model and its downstream, to a day'],
  ],
  test: [
    ['etl test', 'every test on the seed data, in a throwaway database'],
    ['etl test --to 2024-01-31', 'build the seed data only up to a day'],
    ['etl test -s fct_orders --warehouse', "a model's data tests on the real warehouse"],
  ],
  verify: [
    ['etl verify --from 2024-01-01 --to 2024-01-31', 'rebuild a month aside and compare'],
    ['etl verify --from 2024-01-17 --to 2024-01-17 -s daily_revenue', 'one day of one model'],
  ],
  status: [
    ['etl status', 'every incremental model'],
    ['etl status -s daily_revenue --until 2024-03-31', 'one model, to a day'],
    ['etl status --json', 'for scripts'],
  ],
  source: [
    ['etl source freshness', 'every source'],
    ['etl source freshness -s raw.orders', 'one source'],
  ],
  freshness: [
    ['etl source freshness', 'every source'],
    ['etl source freshness -s raw.orders', 'one source'],
    ['etl source freshness --json', 'for monitoring'],
  ],
};
