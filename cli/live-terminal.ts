// The packages that draw a run's live region on a terminal. run-flags.ts imports this module
// only when stderr is one: on a pipe (cron, CI) they would draw nothing, and loading them
// costs some 25 ms of start-up.
export { default as cliTruncate } from 'cli-truncate';
export { createLogUpdate } from 'log-update';
