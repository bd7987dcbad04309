/**
 * The entry point registers every route of the table with the Functions host. The host cannot run here, so
 * `app.http` is replaced by a recorder for this test: the one stand-in for the real host in the suite.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  app,
  type HttpFunctionOptions,
  type SetupOptions,
  type StorageQueueFunctionOptions,
  type TimerFunctionOptions,
} from '@azure/functions';
import { hostedRoutes, routes } from '../../functions/routes';

describe('functions/index.ts', () => {
  it('registers each hosted route once, with its methods, route template and auth level, and the queue worker, reading no configuration', () => {
    const registered: { name: string; options: HttpFunctionOptions }[] = [];
    const setups: { options: SetupOptions; before: number }[] = [];
    const queues: { name: string; options: StorageQueueFunctionOptions }[] = [];
    const timers: { name: string; options: TimerFunctionOptions }[] = [];
    const original = app.http;
    const originalQueue = app.storageQueue;
    const originalTimer = app.timer;
    app.timer = (name: string, options: TimerFunctionOptions) => {
      timers.push({ name, options });
    };
    app.storageQueue = <T>(name: string, options: StorageQueueFunctionOptions<T>) => {
      queues.push({ name, options: options as StorageQueueFunctionOptions });
    };
    const setupProperty = Object.getOwnPropertyDescriptor(app, 'setup');
    // The library exposes setup as a getter; it is configurable, so the recorder can stand in for it.
    Object.defineProperty(app, 'setup', {
      configurable: true,
      value: (options: SetupOptions) => {
        setups.push({ options, before: registered.length });
      },
    });
    const environment = { ...process.env };
    app.http = (name: string, options: HttpFunctionOptions) => {
      registered.push({ name, options });
    };
    try {
      // With no settings at all: importing the entry point must not validate configuration.
      for (const key of Object.keys(process.env))
        if (key.startsWith('PARTNER_CENTER_')) Reflect.deleteProperty(process.env, key);
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the registration happens at import time
      require('../../functions/index');
    } finally {
      app.http = original;
      app.storageQueue = originalQueue;
      app.timer = originalTimer;
      if (setupProperty) Object.defineProperty(app, 'setup', setupProperty);
      Object.assign(process.env, environment);
    }
    assert.deepEqual(
      registered.map(({ name, options }) => ({
        name,
        methods: options.methods,
        route: options.route,
        authLevel: options.authLevel,
      })),
      hostedRoutes().map((route) => ({
        name: route.name,
        methods: [...route.methods],
        route: route.route,
        authLevel: route.authLevel,
      })),
    );
    for (const { options } of registered) assert.equal(typeof options.handler, 'function');
    // The worker: the queue the facade writes, through the identity-based connection infra/ configures.
    assert.deepEqual(
      queues.map(({ name, options }) => ({
        name,
        queueName: options.queueName,
        connection: options.connection,
      })),
      [
        { name: 'operation-worker', queueName: 'referral-operations', connection: 'DURABLE_STORAGE' },
        // The events' worker: fan-out and deliveries (docs/events.md), on the same storage connection.
        { name: 'event-worker', queueName: 'referral-events', connection: 'DURABLE_STORAGE' },
      ],
    );
    for (const { options } of queues) assert.equal(typeof options.handler, 'function');
    // The events' reconciliation sweep: every five minutes, never on start-up (a scale-out would run it again).
    assert.deepEqual(
      timers.map(({ name, options }) => ({
        name,
        schedule: options.schedule,
        runOnStartup: options.runOnStartup,
      })),
      [{ name: 'events-sweep', schedule: '0 */5 * * * *', runOnStartup: false }],
    );
    assert.equal(typeof timers[0]?.options.handler, 'function');
    // Streaming, set up before any function is registered: the host then passes chunked bodies through.
    assert.deepEqual(setups, [{ options: { enableHttpStream: true }, before: 0 }]);
  });

  it('leaves the catch-all to the local host, so it can never shadow an endpoint in Azure', () => {
    assert.deepEqual(
      routes.filter((route) => !hostedRoutes().includes(route)).map((route) => route.route),
      ['{*path}'],
    );
  });

  it('names are unique; only routes with no data or with their own authentication are anonymous', () => {
    assert.equal(new Set(routes.map((route) => route.name)).size, routes.length);
    assert.deepEqual(
      routes.filter((route) => route.authLevel === 'anonymous').map((route) => route.name),
      ['health', 'openapi', 'webhook', 'events-partner-center', 'fallback'],
    );
  });
});
