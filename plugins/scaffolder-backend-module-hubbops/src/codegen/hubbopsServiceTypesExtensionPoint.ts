import { createExtensionPoint } from '@backstage/backend-plugin-api';
import { ServiceTypeHandler } from './ServiceTypeHandler';

/**
 * Lets other backend modules add service types to `hubbops:codegen:service`.
 *
 * @public
 */
export interface HubbopsServiceTypesExtensionPoint {
  addServiceType(handler: ServiceTypeHandler<any>): void;
}

/**
 * Extension point for service types of `hubbops:codegen:service`.
 *
 * @example
 * ```ts
 * createBackendModule({
 *   pluginId: 'scaffolder',
 *   moduleId: 'hubbops-rust',
 *   register(reg) {
 *     reg.registerInit({
 *       deps: { serviceTypes: hubbopsServiceTypesExtensionPoint },
 *       async init({ serviceTypes }) {
 *         serviceTypes.addServiceType(rustServiceType);
 *       },
 *     });
 *   },
 * });
 * ```
 *
 * @public
 */
export const hubbopsServiceTypesExtensionPoint =
  createExtensionPoint<HubbopsServiceTypesExtensionPoint>({
    id: 'scaffolder.hubbops-service-types',
  });
