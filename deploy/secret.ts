import { inspect } from 'node:util';

/**
 * A value that goes to FunctionGraph's encrypted user data. It prints as `‹secret›` everywhere (String(),
 * JSON.stringify, console.log, util.inspect, template strings), so a plan, a report or a log line that shows a
 * desired state cannot show the value; only `reveal()`, called where the request body is built, gives it.
 */
export class SecretValue {
  static readonly MASK = '‹secret›';
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return SecretValue.MASK;
  }

  toJSON(): string {
    return SecretValue.MASK;
  }

  [inspect.custom](): string {
    return SecretValue.MASK;
  }
}
