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
  const targetName = (dto as { name?: string }).name ?? '';
  // One arguments object per acceptor, refilled for each check: the constraint
  // functions read it during their synchronous call only (async ones have no
  // acceptor), and a new object per property per payload was most of the
  // acceptor's garbage. A DTO nested in itself gets its own (another acceptor).
  const args: ValidationArguments = { targetName, property: '', object: {}, value: undefined, constraints: [] };
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

/** Objects are checked with the nested DTO; arrays element by element; anything else is left to the full path. */
function acceptNested(acceptor: Acceptor | undefined, value: unknown): boolean {
  if (!acceptor) return false;
  if (isObjectLike(value)) return acceptor(value);
  if (Array.isArray(value)) return value.every((v) => isObjectLike(v) && acceptor(v));
  return false;
}
