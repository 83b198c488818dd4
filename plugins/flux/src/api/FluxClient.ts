import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  FluxCluster,
  FluxClusterConnectionTestRequest,
  FluxClusterConnectionTestResult,
  FluxClusterRegistrationRequest,
  FluxClusterUpdateRequest,
  FluxClustersResponse,
  FluxEventsResponse,
  FluxObjectDetail,
  FluxObjectsQuery,
  FluxObjectsResponse,
  FluxReconcileRequest,
  FluxReconcileResponse,
  FluxSuspendResponse,
} from '@hubbops/plugin-flux-common';
import { FluxApi, FluxObjectKey } from './FluxApi';

/**
 * The default {@link FluxApi}: HTTP calls through the fetch API, so the
 * user's Backstage token is sent along.
 *
 * @public
 */
export class FluxClient implements FluxApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  async getClusters(): Promise<FluxClustersResponse> {
    return this.request('GET', '/clusters');
  }

  async getObjects(query: FluxObjectsQuery = {}): Promise<FluxObjectsResponse> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined || value === null || value === '') continue;
      if (Array.isArray(value)) {
        value.forEach(v => params.append(key, String(v)));
      } else {
        params.append(key, String(value));
      }
    }
    const search = params.toString();
    return this.request('GET', `/objects${search ? `?${search}` : ''}`);
  }

  async getObject(key: FluxObjectKey): Promise<FluxObjectDetail> {
    return this.request('GET', objectPath(key));
  }

  async getEvents(key: FluxObjectKey): Promise<FluxEventsResponse> {
    return this.request('GET', `${objectPath(key)}/events`);
  }

  async reconcile(
    key: FluxObjectKey,
    request: FluxReconcileRequest = {},
  ): Promise<FluxReconcileResponse> {
    return this.request('POST', `${objectPath(key)}/reconcile`, request);
  }

  async suspend(key: FluxObjectKey): Promise<FluxSuspendResponse> {
    return this.request('POST', `${objectPath(key)}/suspend`, {});
  }

  async resume(key: FluxObjectKey): Promise<FluxReconcileResponse> {
    return this.request('POST', `${objectPath(key)}/resume`, {});
  }

  async registerCluster(
    request: FluxClusterRegistrationRequest,
  ): Promise<FluxCluster> {
    return this.request('POST', '/clusters', request);
  }

  async updateCluster(
    name: string,
    request: FluxClusterUpdateRequest,
  ): Promise<FluxCluster> {
    return this.request(
      'PUT',
      `/clusters/${encodeURIComponent(name)}`,
      request,
    );
  }

  async removeCluster(name: string): Promise<void> {
    await this.request('DELETE', `/clusters/${encodeURIComponent(name)}`);
  }

  async testClusterConnection(
    target: FluxClusterConnectionTestRequest | { name: string },
  ): Promise<FluxClusterConnectionTestResult> {
    if ('name' in target) {
      return this.request(
        'POST',
        `/clusters/${encodeURIComponent(target.name)}/test`,
        {},
      );
    }
    return this.request('POST', '/clusters/test', target);
  }

  private async request<T>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('flux');
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : {
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(body),
          }),
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }
}

function objectPath(key: FluxObjectKey): string {
  return `/objects/${[key.cluster, key.kind, key.namespace, key.name]
    .map(encodeURIComponent)
    .join('/')}`;
}
