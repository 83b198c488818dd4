import { ConfigReader } from '@backstage/config';
import { createCodegenServiceAction } from '../../actions/codegenService';
import { builtInServiceTypes } from '../builtInServiceTypes';
import { ServiceTypeHandler } from '../ServiceTypeHandler';
import { ServiceTypeRegistry } from '../ServiceTypeRegistry';

/** The inputs every service-type test generates from, but `type`. */
export const shopApiInput = {
  name: 'shop-api',
  owner: 'group:default/team-a',
  description: 'Sells things',
  system: 'shop',
  port: 8181,
};

/** `hubbops:codegen:service` with the built-in service types. */
export function createCodegenServiceTestAction(
  config: object = {},
  handlers: ServiceTypeHandler<any>[] = builtInServiceTypes,
) {
  return createCodegenServiceAction({
    config: new ConfigReader(config),
    serviceTypes: new ServiceTypeRegistry(handlers),
  });
}
