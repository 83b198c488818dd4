import { mockCredentials } from '@backstage/backend-test-utils';
import { fetchTestBlob, fetchTestManifest } from '@hubbops/test-kit';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TemplateTaskRun } from './__testUtils__/followTaskEvents';
import { runImageHealthCheck } from './__testUtils__/runImageHealthCheck';
import {
  HubbopsTestPortal,
  REPO_ROOT,
  startHubbopsTestPortal,
} from './__testUtils__/startHubbopsTestPortal';

const exec = promisify(execFile);
const sha256 = (data: Buffer) =>
  `sha256:${createHash('sha256').update(data).digest('hex')}`;

// Real builds, pushes and a real git server: minutes, not seconds.
jest.setTimeout(240_000);

describe('the node-service template, end to end', () => {
  let portal: HubbopsTestPortal;
  let workDir: string;

  beforeAll(async () => {
    portal = await startHubbopsTestPortal({
      templates: ['node-service', 'python-service', 'go-service'],
      baseImageCacheDir: join(REPO_ROOT, 'node_modules/.cache/hubbops'),
    });
    workDir = await mkdtemp(join(tmpdir(), 'hubbops-e2e-check-'));
  }, 120_000);

  afterAll(async () => {
    await portal?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  async function runNodeService(
    name: string,
    builder: 'layers' | 'buildah',
  ): Promise<TemplateTaskRun> {
    const run = await portal.runTemplate('node-service', {
      name,
      description: `The ${builder} end-to-end service`,
      owner: 'group:default/team-a',
      cluster: portal.cluster,
      registry: portal.registry.host,
      baseImage: portal.baseImage,
      builder,
      gitopsRepoUrl: `${portal.gitUrl}/gitops.git`,
      codeHost: 'local',
      localGitUrl: portal.gitUrl,
    });
    if (run.status !== 'completed') {
      throw new Error(
        `task ${run.taskId} ended ${run.status}:\n${run.log.join('\n')}`,
      );
    }
    return run;
  }

  async function expectImageInRegistry(name: string, run: TemplateTaskRun) {
    const { imageRef, imageDigest } = run.output as Record<string, string>;
    expect(imageRef).toBe(
      `${portal.registry.host}/${name}:0.1.0@${imageDigest}`,
    );
    // Read back from the registry itself, not through the code under test.
    const manifest = (await fetchTestManifest(
      portal.registry,
      name,
      imageDigest,
    ))!;
    expect(manifest.digest).toBe(imageDigest);
    expect(manifest.headerDigest).toBe(imageDigest);
    const byTag = (await fetchTestManifest(portal.registry, name, '0.1.0'))!;
    expect(byTag.digest).toBe(imageDigest);
    const configBlob = (await fetchTestBlob(
      portal.registry,
      name,
      manifest.json.config.digest,
    ))!;
    expect(sha256(configBlob)).toBe(manifest.json.config.digest);
    expect(configBlob.length).toBe(manifest.json.config.size);
    const config = JSON.parse(configBlob.toString('utf8'));
    expect(config.config.Cmd).toEqual(['node', 'server.js']);
    expect(config.config.WorkingDir).toBe('/app');
    expect(config.rootfs.diff_ids).toHaveLength(manifest.json.layers.length);
    for (const layer of manifest.json.layers) {
      const blob = (await fetchTestBlob(portal.registry, name, layer.digest))!;
      expect(sha256(blob)).toBe(layer.digest);
    }
    return manifest;
  }

  async function expectGitOpsCommit(name: string, run: TemplateTaskRun) {
    const { gitopsCommit, gitopsPath, imageRef } = run.output as Record<
      string,
      string
    >;
    expect(gitopsPath).toBe(`clusters/${portal.cluster}/apps/${name}`);
    const clone = join(workDir, `gitops-${name}`);
    await exec('git', [
      'clone',
      '--quiet',
      `${portal.gitUrl}/gitops.git`,
      clone,
    ]);
    const { stdout: log } = await exec(
      'git',
      ['log', '--format=%H', '--', gitopsPath],
      { cwd: clone },
    );
    expect(log.split('\n')).toContain(gitopsCommit);
    const deployment = await readFile(
      join(clone, gitopsPath, 'base/deployment.yaml'),
      'utf8',
    );
    expect(deployment).toContain(imageRef);
  }

  function expectKustomizationReady(run: TemplateTaskRun) {
    const { kustomization, gitopsCommit, revision } = run.output as Record<
      string,
      string
    >;
    const object = portal.kubernetes.store.get({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      namespace: 'flux-system',
      name: kustomization,
    }) as any;
    expect(object).toBeDefined();
    const ready = object.status.conditions.find(
      (c: { type: string }) => c.type === 'Ready',
    );
    expect(ready.status).toBe('True');
    expect(object.status.lastAppliedRevision).toContain(gitopsCommit);
    expect(revision).toBe(object.status.lastAppliedRevision);
  }

  async function expectRegistered(name: string) {
    const raw = await fetch(
      `${portal.gitUrl}/${name}.git/raw/main/catalog-info.yaml`,
    );
    expect(raw.status).toBe(200);
    expect(await raw.text()).toContain(`name: ${name}`);
    // catalog:register added the location; the entity shows once processed.
    const deadline = Date.now() + 30_000;
    let entity: Response;
    for (;;) {
      entity = await fetch(
        `${portal.baseUrl}/api/catalog/entities/by-name/component/default/${name}`,
        {
          headers: {
            Authorization: mockCredentials.user.header('user:default/guest'),
          },
        },
      );
      if (entity.status !== 404 || Date.now() > deadline) break;
      await entity.arrayBuffer();
      await new Promise(resolve => setTimeout(resolve, 250));
    }
    expect(entity.status).toBe(200);
    expect((await entity.json()).spec.owner).toBe('group:default/team-a');
  }

  it('loads the three service templates into the catalog, each generating its own type', async () => {
    for (const type of ['node', 'python', 'go']) {
      const response = await fetch(
        `${portal.baseUrl}/api/catalog/entities/by-name/template/default/${type}-service`,
        {
          headers: {
            Authorization: mockCredentials.user.header('user:default/guest'),
          },
        },
      );
      expect(response.status).toBe(200);
      const template = await response.json();
      const steps = template.spec.steps as Array<{
        action: string;
        input: Record<string, unknown>;
      }>;
      expect(steps.map(step => step.action)).toEqual([
        'hubbops:codegen:service',
        'hubbops:image:build',
        'hubbops:codegen:manifests',
        'hubbops:gitops:push',
        'hubbops:flux:reconcile',
        'hubbops:flux:wait',
        'hubbops:gitops:push',
        'publish:github',
        'catalog:register',
        'catalog:register',
      ]);
      expect(steps[0].input.type).toBe(type);
    }
  });

  it('builds with layers, pushes, commits to GitOps, waits for Flux Ready and registers the service', async () => {
    const run = await runNodeService('hello-layers', 'layers');
    expect(run.output.builder).toBe('layers');

    const manifest = await expectImageInRegistry('hello-layers', run);
    // layers appends one layer to the base image and reuses its layers.
    const base = (await fetchTestManifest(
      portal.registry,
      'hubbops/node',
      '22',
    ))!;
    expect(manifest.json.layers.slice(0, -1)).toEqual(base.json.layers);
    expect(manifest.json.layers).toHaveLength(base.json.layers.length + 1);

    await expectGitOpsCommit('hello-layers', run);
    expectKustomizationReady(run);
    await expectRegistered('hello-layers');

    const health = await runImageHealthCheck({
      imageRef: run.output.imageRef as string,
      healthPath: run.output.healthPath as string,
    });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' });
  });

  it('builds the same service with buildah, and its image answers on the health endpoint too', async () => {
    const run = await runNodeService('hello-buildah', 'buildah');
    expect(run.output.builder).toBe('buildah');

    await expectImageInRegistry('hello-buildah', run);
    await expectGitOpsCommit('hello-buildah', run);
    expectKustomizationReady(run);
    await expectRegistered('hello-buildah');

    const health = await runImageHealthCheck({
      imageRef: run.output.imageRef as string,
      healthPath: run.output.healthPath as string,
    });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' });
  });
});
