#!/usr/bin/env node
// A covlasso/queue worker process for test/queue.test.ts, on the compiled build (dist/cjs):
// REDIS_PORT, QUEUE_NAME; PAUSE_ON=<step name> pauses the first such step it takes for ever (after
// printing "paused <name> <id>"), so that the test can SIGKILL it mid-job. Prints "ready" once connected
// and "<active|completed|failed> <name> <id>" per step. SIGTERM closes it cleanly.
'use strict';
const path = require('node:path');
const { startWorker } = require(path.resolve(__dirname, '..', '..', 'dist', 'cjs', 'queue', 'index.js'));

let paused = false;
startWorker({
  connection: { host: '127.0.0.1', port: Number(process.env.REDIS_PORT) },
  queueName: process.env.QUEUE_NAME,
  // Short enough that the SIGKILL test recovers in seconds, long enough that a loaded machine's
  // healthy workers renew their locks in time (every lockDuration / 2).
  lockDuration: 8000,
  stalledInterval: 2000,
  threads: 1,
  onEvent: (e) => process.stdout.write(`${e.type} ${e.name} ${e.id}${e.error ? ` ${e.error.message}` : ''}\n`),
  beforeProcess: async (job) => {
    if (job.name !== process.env.PAUSE_ON || paused) return;
    paused = true;
    process.stdout.write(`paused ${job.name} ${job.id}\n`);
    await new Promise(() => undefined); // never settles: the step stays active, its lock renewed, until the test kills us
  },
}).then(
  (worker) => {
    process.stdout.write('ready\n');
    process.on('SIGTERM', () => worker.close().then(() => process.exit(0)));
  },
  (error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  },
);
