/**
 * With NODE_EXTRA_CA_CERTS set, Node 20 builds its store of root certificates (its own ~140
 * and the file's) as each process starts, before any script runs (nodejs/node#40524): 50-70 ms
 * of CPU for every test worker and every `etl` the tests start. The machines here set it for
 * their network. No test makes a TLS connection, so the run goes without it: the workers,
 * started after this, and the processes they start inherit the environment.
 */
export default function setup(): void {
  delete process.env.NODE_EXTRA_CA_CERTS;
}
