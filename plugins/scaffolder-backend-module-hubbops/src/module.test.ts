import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  scaffolderActionsExtensionPoint,
  TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import { AddressInfo } from 'node:net';
import { scaffolderModuleHubbops } from './module';
import defaultExport from './index';

describe('scaffolderModuleHubbops', () => {
  it('is the default export', () => {
    expect(defaultExport).toBe(scaffolderModuleHubbops);
  });

  it('registers hubbops:image:build with its schema', async () => {
    const added: TemplateAction<any, any, any>[] = [];
    await startTestBackend({
      extensionPoints: [
        [
          scaffolderActionsExtensionPoint,
          {
            addActions: (...actions: TemplateAction<any, any, any>[]) =>
              added.push(...actions),
          },
        ],
      ],
      features: [
        scaffolderModuleHubbops,
        mockServices.rootConfig.factory({
          data: {
            hubbops: {
              imageBuild: {
                builder: 'layers',
                registries: [
                  {
                    host: 'registry.example.com',
                    username: 'u',
                    password: 'p4ssw0rd',
                  },
                ],
              },
            },
          },
        }),
      ],
    });

    expect(added.map(action => action.id)).toEqual(
      expect.arrayContaining([
        'hubbops:image:build',
        'hubbops:codegen:service',
        'hubbops:codegen:manifests',
      ]),
    );
    const action = added.find(a => a.id === 'hubbops:image:build')!;
    expect(action.supportsDryRun).toBe(true);
    const input = action.schema?.input as any;
    expect(input.required).toEqual(['image']);
    expect(Object.keys(input.properties)).toEqual(
      expect.arrayContaining([
        'image',
        'tag',
        'contextPath',
        'containerfile',
        'builder',
        'buildArgs',
        'baseImage',
        'appDestination',
        'cmd',
        'env',
        'port',
      ]),
    );
    expect(input.properties.builder.enum).toEqual([
      'auto',
      'buildah',
      'docker',
      'layers',
    ]);
    expect(input.properties.image.description).toContain(
      'registry.example.com/team/service',
    );
    expect(Object.keys((action.schema?.output as any).properties)).toEqual([
      'imageRef',
      'digest',
      'builder',
    ]);
    // Nothing in the schema may offer a place for credentials.
    expect(JSON.stringify(input)).not.toMatch(/password|"token"/i);
  });

  it('fails to start on malformed registry config', async () => {
    await expect(
      startTestBackend({
        extensionPoints: [
          [scaffolderActionsExtensionPoint, { addActions: () => {} }],
        ],
        features: [
          scaffolderModuleHubbops,
          mockServices.rootConfig.factory({
            data: {
              hubbops: {
                imageBuild: {
                  registries: [{ host: 'ghcr.io', username: 'only-user' }],
                },
              },
            },
          }),
        ],
      }),
    ).rejects.toThrow(/ghcr\.io\) needs both username and password/);
  });

  it('shows hubbops:image:build in the scaffolder API', async () => {
    const { server } = await startTestBackend({
      features: [scaffolderPlugin, scaffolderModuleHubbops],
    });
    const { port } = server.address() as AddressInfo;
    const response = await fetch(
      `http://localhost:${port}/api/scaffolder/v2/actions`,
    );
    expect(response.status).toBe(200);
    const actions: Array<{ id: string; schema?: any }> = await response.json();
    const action = actions.find(a => a.id === 'hubbops:image:build');
    expect(action?.schema?.input?.required).toEqual(['image']);
    expect(action?.schema?.input?.properties?.contextPath?.default).toBe('.');
    expect(action?.schema?.output?.properties?.imageRef).toBeDefined();
    const service = actions.find(a => a.id === 'hubbops:codegen:service');
    expect(service?.schema?.input?.required).toEqual(['type', 'name', 'owner']);
    const manifests = actions.find(a => a.id === 'hubbops:codegen:manifests');
    expect(manifests?.schema?.input?.required).toEqual([
      'name',
      'image',
      'source',
      'gitopsPath',
    ]);
  });
});
