/**
 * Event handlers the BusServer may call without Nest's per-call machinery.
 * Nest wraps every `@EventPattern` method in async layers (exception zone,
 * interceptors, pipes over each parameter, guards): about ten promises per
 * message even when a handler has none of them. A handler of a static
 * controller whose parameters are only `@Payload()` (no property, no pipe)
 * and `@Ctx()`, with no pipe, guard, interceptor or filter on the method or
 * its class, gets exactly the same arguments when called straight, and a
 * synchronous one then finishes before the next message is handled, so what
 * it allocates dies young. Anything else keeps Nest's path.
 */
import { GUARDS_METADATA, INTERCEPTORS_METADATA, PIPES_METADATA, EXCEPTION_FILTERS_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import type { INestApplicationContext } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { PATTERN_HANDLER_METADATA, PATTERN_METADATA, TRANSPORT_METADATA } from '@nestjs/microservices/constants';
import { PatternHandler } from '@nestjs/microservices/enums/pattern-handler.enum';
import { RpcParamtype } from '@nestjs/microservices/enums/rpc-paramtype.enum';
import { BusContext } from './bus.context';
import type { BusContextInfo } from './bus';

/** Called with the payload and its context; returns what the controller method returns. */
export type DirectHandler = (payload: unknown, info: BusContextInfo) => unknown;

const CONTEXT_METADATA = [GUARDS_METADATA, INTERCEPTORS_METADATA, PIPES_METADATA, EXCEPTION_FILTERS_METADATA];

function hasNestContext(target: object): boolean {
  return CONTEXT_METADATA.some((k) => {
    const v = Reflect.getMetadata(k, target) as unknown[] | undefined;
    return Array.isArray(v) && v.length > 0;
  });
}

/** The direct handlers of every controller of `app`, by pattern (string patterns only). */
export function directHandlers(app: INestApplicationContext): Map<string, DirectHandler> {
  const out = new Map<string, DirectHandler>();
  let modules: ModulesContainer;
  try {
    modules = app.get(ModulesContainer);
  } catch {
    return out;
  }
  for (const mod of modules.values()) {
    for (const wrapper of mod.controllers.values()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const ctor = instance.constructor as object;
      if (hasNestContext(ctor)) continue;
      let proto = Object.getPrototypeOf(instance) as object | null;
      const seen = new Set<string>();
      while (proto && proto !== Object.prototype) {
        for (const name of Object.getOwnPropertyNames(proto)) {
          if (name === 'constructor' || seen.has(name)) continue;
          seen.add(name);
          const method = Object.getOwnPropertyDescriptor(proto, name)?.value as unknown;
          if (typeof method !== 'function') continue;
          const handler = directHandlerOf(instance, ctor, name, method as (...a: unknown[]) => unknown);
          if (!handler) continue;
          for (const pattern of handler.patterns) if (!out.has(pattern)) out.set(pattern, handler.call);
        }
        proto = Object.getPrototypeOf(proto) as object | null;
      }
    }
  }
  return out;
}

function directHandlerOf(
  instance: object,
  ctor: object,
  name: string,
  method: (...a: unknown[]) => unknown,
): { patterns: string[]; call: DirectHandler } | undefined {
  if (Reflect.getMetadata(PATTERN_HANDLER_METADATA, method) !== PatternHandler.EVENT) return undefined;
  if (Reflect.getMetadata(TRANSPORT_METADATA, method) !== undefined) return undefined;
  const patterns = Reflect.getMetadata(PATTERN_METADATA, method) as unknown[] | undefined;
  if (!Array.isArray(patterns) || !patterns.every((p) => typeof p === 'string')) return undefined;
  if (hasNestContext(method)) return undefined;
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, ctor, name) ?? {}) as Record<string, { index: number; data?: unknown; pipes?: unknown[] }>;
  let payloadAt = -1;
  let contextAt = -1;
  let count = 0;
  for (const [key, a] of Object.entries(args)) {
    const type = Number(key.split(':')[0]);
    if (a.data !== undefined || (a.pipes?.length ?? 0) > 0) return undefined;
    if (type === RpcParamtype.PAYLOAD) payloadAt = a.index;
    else if (type === RpcParamtype.CONTEXT) contextAt = a.index;
    else return undefined;
    count = Math.max(count, a.index + 1);
  }
  const call: DirectHandler =
    contextAt < 0 && payloadAt === 0 && count === 1
      ? (payload) => method.call(instance, payload)
      : (payload, info) => {
          const a: unknown[] = new Array(count).fill(undefined);
          if (payloadAt >= 0) a[payloadAt] = payload;
          if (contextAt >= 0) a[contextAt] = new BusContext([info.subject, info.redelivered]);
          return method.apply(instance, a);
        };
  return { patterns: patterns as string[], call };
}
