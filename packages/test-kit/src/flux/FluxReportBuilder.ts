import { KubernetesObject, ResourceStore } from '../kubernetes';
import { setCondition } from './FluxConditions';
import { controllerImage } from './FluxControllerDeployments';
import { FLUX_KINDS, FluxDistribution, FluxKind } from './FluxResources';
import { fieldOf, stringField } from './FluxRevisions';
import { currentStatus } from './FluxStatusBuilders';

/**
 * The `spec` the Flux Operator writes into its FluxReport (`flux` in the
 * Flux namespace): distribution, components from the controller
 * Deployments, per-kind reconciler statistics and the cluster sync state.
 */

export interface FluxReportInput {
  store: ResourceStore;
  distribution: FluxDistribution;
  namespace: string;
  serverVersion: string;
  apiVersionOf: (kind: FluxKind) => string | undefined;
}

function isReady(object: KubernetesObject, status: 'True' | 'False'): boolean {
  const conditions = fieldOf(object, 'status', 'conditions');
  return (
    Array.isArray(conditions) &&
    conditions.some(c => c?.type === 'Ready' && c?.status === status)
  );
}

export function buildFluxReport(
  input: FluxReportInput,
): Record<string, unknown> {
  const { store, distribution, namespace } = input;
  const components = Object.entries(distribution.controllers)
    .filter(([controller]) => controller !== 'flux-operator')
    .map(([controller, version]) => {
      const deployment = store.get({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace,
        name: controller,
      });
      const image = stringField(
        (
          fieldOf(deployment, 'spec', 'template', 'spec', 'containers') as
            | unknown[]
            | undefined
        )?.[0],
        'image',
      );
      return {
        name: controller,
        image: image ?? controllerImage(controller as never, version!),
        ready: Boolean(deployment),
        status: deployment
          ? 'Current Deployment is available. Replicas: 1'
          : 'NotFound',
      };
    })
    .filter(component => component.ready);

  const reconcilers = (Object.keys(FLUX_KINDS) as FluxKind[])
    .filter(kind => kind !== 'FluxReport')
    .flatMap(kind => {
      const apiVersion = input.apiVersionOf(kind);
      if (!apiVersion) return [];
      const objects = store.list({ apiVersion, kind });
      const suspended = objects.filter(
        o => fieldOf(o, 'spec', 'suspend') === true,
      ).length;
      return [
        {
          apiVersion,
          kind,
          stats: {
            failing: objects.filter(o => isReady(o, 'False')).length,
            running: objects.length - suspended,
            suspended,
          },
        },
      ];
    })
    .sort((a, b) =>
      `${a.apiVersion}/${a.kind}`.localeCompare(`${b.apiVersion}/${b.kind}`),
    );

  const report: Record<string, unknown> = {
    cluster: {
      platform: 'linux/amd64',
      serverVersion: input.serverVersion,
      nodes: 1,
    },
    components,
    distribution: {
      entitlement: 'Issued by controlplane',
      managedBy: 'flux-operator',
      status: 'Installed',
      version: distribution.release,
    },
    operator: {
      apiVersion: 'fluxcd.controlplane.io/v1',
      platform: 'linux/amd64',
      version: distribution.controllers['flux-operator'] ?? 'v0.33.0',
    },
    reconcilers,
  };

  const kustomizationVersion = input.apiVersionOf('Kustomization');
  const sync = kustomizationVersion
    ? store.get({
        apiVersion: kustomizationVersion,
        kind: 'Kustomization',
        namespace,
        name: namespace,
      })
    : undefined;
  if (sync) {
    const sourceKind = stringField(sync, 'spec', 'sourceRef', 'kind');
    const sourceVersion = sourceKind
      ? input.apiVersionOf(sourceKind as FluxKind)
      : undefined;
    const source = sourceVersion
      ? store.get({
          apiVersion: sourceVersion,
          kind: sourceKind!,
          namespace:
            stringField(sync, 'spec', 'sourceRef', 'namespace') ?? namespace,
          name: stringField(sync, 'spec', 'sourceRef', 'name') ?? namespace,
        })
      : undefined;
    const ready = (
      fieldOf(sync, 'status', 'conditions') as
        | Array<Record<string, string>>
        | undefined
    )?.find(c => c.type === 'Ready');
    report.sync = {
      id: `kustomization/${namespace}`,
      path: stringField(sync, 'spec', 'path') ?? './',
      ready: ready?.status === 'True',
      source: stringField(source, 'spec', 'url') ?? '',
      status: ready?.message ?? 'Reconciliation in progress',
    };
  }
  return report;
}

/** The status the operator writes after reporting. */
export function fluxReportStatus(
  report: KubernetesObject,
  durationMs: number,
): Record<string, unknown> {
  const status = currentStatus(report);
  const conditions = Array.isArray(status.conditions) ? status.conditions : [];
  status.conditions = setCondition(
    conditions,
    {
      type: 'Ready',
      status: 'True',
      reason: 'ReconciliationSucceeded',
      message: `Reporting finished in ${Math.max(1, Math.round(durationMs))}ms`,
    },
    report.metadata.generation,
  );
  return status;
}
