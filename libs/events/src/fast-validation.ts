/**
 * A fast "accept" for payloads that class-validator would accept, compiled
 * once per DTO from the DTO's own class-validator and class-transformer
 * metadata. It calls the same constraint functions (isString, min, isIn...)
 * that validateSync calls, without the per-call work of class-transformer
 * (a deep copy of the whole payload, params and result included) and of the
 * validation executor (metadata grouping, an error object per property).
 *
 * It only ever says "valid" or "not sure": when it is not sure, the caller
 * runs plainToInstance + validateSync, which decides and explains. So the
 * verdict of validatePayload never changes, only its cost on valid payloads,
 * which is nearly all of them. A DTO with a decorator this file does not
 * understand (groups, each on a constraint, async constraints, IsDefined...)
 * gets no acceptor and always takes the full path.
 */
import { getMetadataStorage, ValidationArguments, ValidationTypes } from 'class-validator';
import type { MetadataStorage as TransformerMetadata } from 'class-transformer/types/MetadataStorage';

// The registry behind @Type: class-transformer keeps it in a module its index does not re-export.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as { defaultMetadataStorage: TransformerMetadata };

type Dto = abstract new () => object;
type Acceptor = (value: object) => boolean;

interface ConstraintCheck {
  validate(value: unknown, args: ValidationArguments): unknown;
}

/**
 * Checks of class-validator's own decorators done inline (by the decorator's
 * name), each only ever passing a value that the decorator's own function
 * passes too; a value they do not pass goes to that function, which decides.
 * The per-constraint call through a different class each time was most of
 * the acceptor's cost (~1.4 µs per MCP message).
 */
const Op = { generic: 0, isString: 1, isIn: 2, isObject: 3, isBoolean: 4, isInt: 5, min: 6 } as const;
type OpCode = (typeof Op)[keyof typeof Op];

function opOf(name: string | undefined): OpCode {
  switch (name) {
    case 'isString':
      return Op.isString;
    case 'isIn':
      return Op.isIn;
    case 'isObject':
      return Op.isObject;
    case 'isBoolean':
      return Op.isBoolean;
    case 'isInt':
      return Op.isInt;
    case 'min':
      return Op.min;
    default:
      return Op.generic;
  }
}

interface ConstraintPlan {
  op: OpCode;
  check: ConstraintCheck;
  constraints: unknown[];
  /** isIn: the allowed values (`===`, as isIn compares). */
  allowed?: ReadonlySet<unknown>;
}

function passesInline(c: ConstraintPlan, value: unknown): boolean {
  switch (c.op) {
    case Op.isString:
      return typeof value === 'string';
    case Op.isIn:
      // A Set compares like === except NaN, which isIn never accepts: NaN is left to isIn.
      return value === value && c.allowed!.has(value);
    case Op.isObject:
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    case Op.isBoolean:
      return typeof value === 'boolean';
    case Op.isInt:
      return typeof value === 'number' && Number.isInteger(value);
    case Op.min:
      return typeof value === 'number' && typeof c.constraints[0] === 'number' && value >= c.constraints[0];
    default:
      return false;
  }
}

interface PropertyPlan {
  name: string;
  /** @IsOptional: null and undefined skip the property's checks (its condition, inline). */
  optional: boolean;
  conditions: Array<(object: object, value: unknown) => boolean>;
  constraints: ConstraintPlan[];
  /** Present when the property carries @ValidateNested with a @Type. */
  nested?: () => Acceptor | undefined;
}

/** Shape of class-validator's ValidationMetadata that is read here. */
interface ValidationMeta {
  type: string;
  name?: string;
  propertyName: string;
  constraintCls: unknown;
  constraints: unknown[];
  each?: boolean;
  groups?: string[];
  always?: boolean;
  async?: boolean;
}

const compiled = new Map<Dto, Acceptor | null>();

function isObjectLike(v: unknown): v is object {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The acceptor of a DTO, or undefined when its decorators are beyond this file. */
export function acceptorFor(dto: Dto): Acceptor | undefined {
  const known = compiled.get(dto);
  if (known !== undefined) return known ?? undefined;
  // Placeholder first: a DTO nested in itself resolves lazily through nested().
  compiled.set(dto, null);
  const acceptor = compile(dto);
  compiled.set(dto, acceptor ?? null);
  return acceptor;
}

function compile(dto: Dto): Acceptor | undefined {
  const plan = planOf(dto);
  return plan && (generated(plan.list, plan.targetName) ?? interpreted(plan.list, plan.targetName));
}

/** Both forms of a DTO's acceptor, for the spec that checks they agree; undefined without a plan. */
export function acceptorFormsFor(dto: Dto): { generated?: Acceptor; interpreted: Acceptor } | undefined {
  const plan = planOf(dto);
  return plan && { generated: generated(plan.list, plan.targetName), interpreted: interpreted(plan.list, plan.targetName) };
}

function planOf(dto: Dto): { list: PropertyPlan[]; targetName: string } | undefined {
  const storage = getMetadataStorage();
  // The same query validateSync makes with default options.
  const metas = storage.getTargetValidationMetadatas(dto as unknown as new () => object, '', false, false, undefined) as unknown as ValidationMeta[];
  const plans = new Map<string, PropertyPlan>();
  for (const m of metas) {
    if (m.groups?.length || m.always) return undefined;
    let plan = plans.get(m.propertyName);
    if (!plan) plans.set(m.propertyName, (plan = { name: m.propertyName, optional: false, conditions: [], constraints: [] }));
    if (m.type === ValidationTypes.CONDITIONAL_VALIDATION) {
      // @IsOptional's condition is `object[property] !== null && object[property] !== undefined`.
      if (m.name === 'isOptional') plan.optional = true;
      else plan.conditions.push(m.constraints[0] as (object: object, value: unknown) => boolean);
    } else if (m.type === ValidationTypes.CUSTOM_VALIDATION) {
      if (m.each) return undefined;
      const found = storage.getTargetValidatorConstraints(m.constraintCls as new () => object) as unknown as Array<{ instance: ConstraintCheck; async: boolean }>;
      if (found.length === 0 || found.some((c) => c.async)) return undefined;
      // Only class-validator's own decorators have these names; any other constraint beside one keeps the generic call.
      const op = found.length === 1 ? opOf(m.name) : Op.generic;
      for (const c of found) {
        const cp: ConstraintPlan = { op, check: c.instance, constraints: m.constraints };
        if (op === Op.isIn) {
          if (Array.isArray(m.constraints[0])) cp.allowed = new Set(m.constraints[0] as unknown[]);
          else cp.op = Op.generic;
        }
        plan.constraints.push(cp);
      }
    } else if (m.type === ValidationTypes.NESTED_VALIDATION) {
      const typeMeta = defaultMetadataStorage.findTypeMetadata(dto as unknown as new () => object, m.propertyName);
      if (!typeMeta) return undefined;
      const inner = typeMeta.typeFunction() as Dto;
      plan.nested = () => acceptorFor(inner);
    } else {
      return undefined;
    }
  }
  const list = [...plans.values()];
  return { list, targetName: (dto as { name?: string }).name ?? '' };
}

/**
 * One arguments object per acceptor, refilled for each check: the constraint
 * functions read it during their synchronous call only (async ones have no
 * acceptor), and a new object per property per payload was most of the
 * acceptor's garbage. A DTO nested in itself gets its own (another acceptor).
 */
function argsFor(targetName: string): ValidationArguments {
  return { targetName, property: '', object: {}, value: undefined, constraints: [] };
}

/** The plan walked property by property: the reference for `generated`, and the acceptor where code cannot be generated. */
function interpreted(list: readonly PropertyPlan[], targetName: string): Acceptor {
  const args = argsFor(targetName);
  return (object: object): boolean => {
    const record = object as Record<string, unknown>;
    for (const plan of list) {
      const value = record[plan.name];
      if (plan.optional && (value === null || value === undefined)) continue;
      let skip = false;
      for (const condition of plan.conditions) if (!condition(object, value)) skip = true;
      if (skip) continue;
      for (const c of plan.constraints) {
        if (passesInline(c, value)) continue;
        args.property = plan.name;
        args.object = object;
        args.value = value;
        args.constraints = c.constraints;
        if (c.check.validate(value, args) !== true) return false;
      }
      if (plan.nested && value !== undefined && !acceptNested(plan.nested(), value)) return false;
    }
    return true;
  };
}

/** A JavaScript test that passes only what passesInline passes for this constraint, or undefined (then only the constraint's own function decides). */
function inlineTest(c: ConstraintPlan, ref: string): string | undefined {
  switch (c.op) {
    case Op.isString:
      return `typeof v === 'string'`;
    case Op.isIn: {
      const allowed = [...c.allowed!];
      // String literals only (JSON.stringify writes a valid JS string literal); any other value keeps the Set.
      if (allowed.length > 0 && allowed.length <= 8 && allowed.every((a) => typeof a === 'string')) return `(${allowed.map((a) => `v === ${JSON.stringify(a)}`).join(' || ')})`;
      return `(v === v && ${ref}.allowed.has(v))`;
    }
    case Op.isObject:
      return `(v !== null && typeof v === 'object' && !Array.isArray(v))`;
    case Op.isBoolean:
      return `typeof v === 'boolean'`;
    case Op.isInt:
      return `(typeof v === 'number' && Number.isInteger(v))`;
    case Op.min: {
      const min = c.constraints[0];
      if (typeof min === 'number' && Number.isFinite(min) && !Object.is(min, -0)) return `(typeof v === 'number' && v >= ${String(min)})`;
      return undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The same plan as straight-line code, compiled once per DTO: every property
 * read is `o["name"]` with a constant name, so V8 caches each load, where the
 * interpreted walk's `record[plan.name]` with a changing name went through the
 * generic keyed load on every property of every payload (~1 µs of the ~1.1 µs
 * an MCP message's acceptance cost). The names and values in the code come
 * from the DTOs' own decorators (written with JSON.stringify), never from a
 * payload. Undefined when code cannot be generated (node started with
 * --disallow-code-generation-from-strings): then the plan is interpreted.
 */
function generated(list: readonly PropertyPlan[], targetName: string): Acceptor | undefined {
  const lines: string[] = ['let v;'];
  list.forEach((plan, p) => {
    const name = JSON.stringify(plan.name);
    const guard: string[] = [];
    if (plan.optional) guard.push('v !== null && v !== undefined');
    // Every condition runs, as in the walk (no short cut between them).
    if (plan.conditions.length > 0) guard.push(`conds(P[${p}], o, v)`);
    const body: string[] = [];
    plan.constraints.forEach((c, i) => {
      const ref = `P[${p}].constraints[${i}]`;
      const fast = inlineTest(c, ref);
      const slow = `check(${ref}, ${name}, o, v) !== true`;
      body.push(fast ? `if (!(${fast}) && ${slow}) return false;` : `if (${slow}) return false;`);
    });
    if (plan.nested) body.push(`if (v !== undefined && !nested(P[${p}].nested(), v)) return false;`);
    // A property nothing checks (`@IsOptional()` alone) is not read.
    if (body.length === 0) return;
    lines.push(`v = o[${name}];`);
    lines.push(guard.length > 0 ? `if (${guard.join(' && ')}) {\n${body.join('\n')}\n}` : body.join('\n'));
  });
  lines.push('return true;');
  const args = argsFor(targetName);
  const check = (c: ConstraintPlan, property: string, object: object, value: unknown): unknown => {
    args.property = property;
    args.object = object;
    args.value = value;
    args.constraints = c.constraints;
    return c.check.validate(value, args);
  };
  const conds = (plan: PropertyPlan, object: object, value: unknown): boolean => {
    let pass = true;
    for (const condition of plan.conditions) if (!condition(object, value)) pass = false;
    return pass;
  };
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const make = new Function('P', 'check', 'conds', 'nested', `return function accept(o) {\n${lines.join('\n')}\n};`) as (
      plans: readonly PropertyPlan[],
      checkOne: (c: ConstraintPlan, property: string, object: object, value: unknown) => unknown,
      condsOf: (plan: PropertyPlan, object: object, value: unknown) => boolean,
      nestedOne: (acceptor: Acceptor | undefined, value: unknown) => boolean,
    ) => Acceptor;
    return make(list, check, conds, acceptNested);
  } catch {
    return undefined;
  }
}

/** Objects are checked with the nested DTO; arrays element by element; anything else is left to the full path. */
function acceptNested(acceptor: Acceptor | undefined, value: unknown): boolean {
  if (!acceptor) return false;
  if (isObjectLike(value)) return acceptor(value);
  if (Array.isArray(value)) return value.every((v) => isObjectLike(v) && acceptor(v));
  return false;
}
