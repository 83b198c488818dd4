import { goServiceType } from './goServiceType';
import { nodeServiceType } from './nodeServiceType';
import { pythonServiceType } from './pythonServiceType';
import { ServiceTypeHandler } from './ServiceTypeHandler';

/** The service types `hubbops:codegen:service` has without extensions. */
export const builtInServiceTypes: ServiceTypeHandler<any>[] = [
  nodeServiceType,
  pythonServiceType,
  goServiceType,
];
