import { HttpAuthService } from '@backstage/backend-plugin-api';
import { Request } from 'express';

/** The request type of backend-plugin-api's services (typed for Express 4). */
export type ServiceRequest = Parameters<HttpAuthService['credentials']>[0];

/**
 * This package uses Express 5, whose requests are the same object at
 * runtime as the Express 4 requests backend-plugin-api is typed against.
 */
export function serviceRequest(req: Request): ServiceRequest {
  return req as unknown as ServiceRequest;
}
