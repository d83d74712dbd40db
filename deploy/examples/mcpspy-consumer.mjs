#!/usr/bin/env node
// Example consumer of mcpspy's NATS subjects, for systems that want alerts
// and MCP messages without reading the JSONL file.
//
//   MCPSPY_NATS_USER=reader MCPSPY_NATS_PASSWORD_FILE=reader.pw \
//     node deploy/examples/mcpspy-consumer.mjs --nats nats://127.0.0.1:4222
//
// The stack's NATS requires a login (deploy/nats/nats.conf; outside consumers
// use the read-only user `reader`): the user and the
// password come from the environment (MCPSPY_NATS_PASSWORD or a file named by
// MCPSPY_NATS_PASSWORD_FILE), never from the command line where `ps` shows it.
//
// Alerts come through a JetStream durable consumer: the server remembers what
// this consumer acknowledged, so after a restart it resumes with the first
// alert it has not seen, and none is lost while it was down. MCP messages come
// through plain subscriptions: live traffic only, nothing kept for us. mcpspy
// sends them in batches (MCP_BATCH_SUBJECT: a header line, then one message
// per line), or one per NATS message on MCP_SUBJECT with MCPSPY_NATS_BATCH=0.
import { readFileSync } from 'node:fs';
import { connect, AckPolicy, DeliverPolicy } from 'nats';
import {
  ALERT_SUBJECT,
  MCP_BATCH_SUBJECT,
  MCP_SUBJECT,
  STREAM,
  decodeAlert,
  decodeMcpMessage,
  formatAlert,
  formatMcpMessage,
  splitMcpBatch,
} from './events.mjs';

const USAGE = `usage: mcpspy-consumer [--nats URL] [--durable NAME] [--json] [--no-messages] [--no-alerts]
  --nats URL       NATS server (default: $MCPSPY_NATS_URL or nats://127.0.0.1:4222)
  --durable NAME   JetStream durable consumer for alerts (default: mcpspy-example)
  --json           print each event as its JSON payload instead of a summary line
  --no-messages    do not subscribe to ${MCP_SUBJECT}
  --no-alerts      do not consume ${ALERT_SUBJECT}`;

function parseArgs(argv) {
  const o = {
    nats: process.env.MCPSPY_NATS_URL || 'nats://127.0.0.1:4222',
    durable: 'mcpspy-example',
    json: false,
    messages: true,
    alerts: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) usageError(`${a} needs a value`);
      return v;
    };
    if (a === '--nats') o.nats = value();
    else if (a === '--durable') o.durable = value();
    else if (a === '--json') o.json = true;
    else if (a === '--no-messages') o.messages = false;
    else if (a === '--no-alerts') o.alerts = false;
    else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else usageError(`unknown option ${a}`);
  }
  if (!/^[A-Za-z0-9_-]+$/.test(o.durable)) usageError(`invalid durable name "${o.durable}"`);
  return o;
}

function usageError(msg) {
  console.error(`mcpspy-consumer: ${msg}\n${USAGE}`);
  process.exit(2);
}

function log(msg) {
  console.error(`mcpspy-consumer: ${msg}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The pipeline creates the stream when its first stage starts; a consumer
// started earlier waits instead of creating it with settings of its own.
async function waitForStream(jsm, stop) {
  let told = false;
  while (!stop.requested) {
    try {
      await jsm.streams.info(STREAM);
      return true;
    } catch (err) {
      if (!/stream not found/i.test(String(err?.message))) throw err;
      if (!told) log(`waiting for JetStream stream ${STREAM}`);
      told = true;
      await sleep(1000);
    }
  }
  return false;
}

async function ensureDurable(jsm, durable) {
  try {
    return await jsm.consumers.info(STREAM, durable);
  } catch (err) {
    if (!/consumer not found/i.test(String(err?.message))) throw err;
  }
  return jsm.consumers.add(STREAM, {
    durable_name: durable,
    filter_subject: ALERT_SUBJECT,
    ack_policy: AckPolicy.Explicit,
    // A new consumer starts with the alerts the stream still holds.
    deliver_policy: DeliverPolicy.All,
    // An alert not acknowledged within this time is delivered again.
    ack_wait: 30_000_000_000,
  });
}

// Resolves once the consumer is set up, with `done`, the promise of its loop
// (wrapped: an async function returning a bare promise would wait for it).
async function consumeAlerts(nc, jsm, o, stop) {
  if (!(await waitForStream(jsm, stop))) return { done: Promise.resolve() };
  await ensureDurable(jsm, o.durable);
  const consumer = await nc.jetstream().consumers.get(STREAM, o.durable);
  const messages = await consumer.consume();
  stop.onStop.push(() => messages.stop());
  log(`consuming ${ALERT_SUBJECT} as durable ${o.durable}`);
  const done = (async () => {
    for await (const m of messages) {
      try {
        const alert = decodeAlert(m.data);
        console.log(o.json ? JSON.stringify(alert) : formatAlert(alert));
        m.ack();
      } catch (err) {
        // A payload that will never decode is dropped for good (term), not redelivered.
        log(`skipped alert (stream seq ${m.seq}): ${err.message}`);
        m.term();
      }
    }
  })();
  return { done };
}

function subscribeMessages(nc, o) {
  const show = (payload) => {
    try {
      const msg = decodeMcpMessage(payload);
      console.log(o.json ? JSON.stringify(msg) : formatMcpMessage(msg));
    } catch (err) {
      log(`skipped mcp message: ${err.message}`);
    }
  };
  // One message per NATS message (a stack with MCPSPY_NATS_BATCH=0), and batches (the default).
  const single = nc.subscribe(MCP_SUBJECT);
  const batches = nc.subscribe(MCP_BATCH_SUBJECT);
  log(`subscribed to ${MCP_SUBJECT} and ${MCP_BATCH_SUBJECT}`);
  const one = (async () => {
    for await (const m of single) show(m.data);
  })();
  const many = (async () => {
    for await (const m of batches) {
      let lines;
      try {
        lines = splitMcpBatch(m.data);
      } catch (err) {
        log(`skipped mcp batch: ${err.message}`);
        continue;
      }
      // A bad line loses only itself.
      for (const line of lines) show(line);
    }
  })();
  return Promise.all([one, many]);
}

/** user/pass from MCPSPY_NATS_USER and MCPSPY_NATS_PASSWORD (or _FILE); none when unset. */
function natsLogin(env = process.env) {
  const user = env.MCPSPY_NATS_USER || undefined;
  let pass = env.MCPSPY_NATS_PASSWORD || undefined;
  if (!pass && env.MCPSPY_NATS_PASSWORD_FILE) pass = readFileSync(env.MCPSPY_NATS_PASSWORD_FILE, 'utf8').replace(/\r?\n$/, '');
  return user || pass ? { user, pass } : {};
}

/** The URL without a user:password part, for messages. */
const redact = (url) => url.replace(/\/\/[^@/]*@/g, '//***@');

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const stop = { requested: false, onStop: [] };
  let nc;
  try {
    nc = await connect({ servers: o.nats, ...natsLogin(), name: 'mcpspy-example-consumer', maxReconnectAttempts: -1 });
  } catch (err) {
    log(`failed to connect to ${redact(o.nats)}: ${err.message}`);
    process.exit(1);
  }
  const shutdown = async () => {
    if (stop.requested) return;
    stop.requested = true;
    for (const f of stop.onStop) f();
    // drain lets in-flight acks reach the server before the connection closes.
    await nc.drain().catch(() => nc.close());
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);

  const loops = [];
  if (o.messages) loops.push(subscribeMessages(nc, o));
  if (o.alerts) {
    const jsm = await nc.jetstreamManager();
    loops.push((await consumeAlerts(nc, jsm, o, stop)).done);
  }
  await nc.flush();
  log('ready');
  await Promise.all(loops);
  await nc.closed();
}

main().catch((err) => {
  log(`failed to run: ${err?.message ?? err}`);
  process.exit(1);
});
