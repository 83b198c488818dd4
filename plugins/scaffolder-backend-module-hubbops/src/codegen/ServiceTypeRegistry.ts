import { ConflictError, InputError } from '@backstage/errors';
import { ServiceTypeHandler } from './ServiceTypeHandler';

const TYPE_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;

/** The service types `hubbops:codegen:service` knows, by `type`. */
export class ServiceTypeRegistry {
  readonly #handlers = new Map<string, ServiceTypeHandler<any>>();

  constructor(handlers: ServiceTypeHandler<any>[] = []) {
    handlers.forEach(handler => this.add(handler));
  }

  add(handler: ServiceTypeHandler<any>): void {
    if (!TYPE_PATTERN.test(handler.type)) {
      throw new InputError(
        `service type '${handler.type}' must be lowercase letters, digits and '-', starting with a letter`,
      );
    }
    if (this.#handlers.has(handler.type)) {
      throw new ConflictError(
        `service type '${handler.type}' is already registered; give the new handler another type`,
      );
    }
    this.#handlers.set(handler.type, handler);
  }

  types(): string[] {
    return [...this.#handlers.keys()].sort();
  }

  get(type: string): ServiceTypeHandler<any> {
    const handler = this.#handlers.get(type);
    if (!handler) {
      throw new InputError(
        `unknown service type '${type}'; use one of: ${this.types().join(
          ', ',
        )} (more can be added through hubbopsServiceTypesExtensionPoint)`,
      );
    }
    return handler;
  }
}
