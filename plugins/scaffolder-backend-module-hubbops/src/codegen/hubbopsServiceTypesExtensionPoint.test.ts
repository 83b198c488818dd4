import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  createMockDirectory,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  scaffolderActionsExtensionPoint,
  TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { scaffolderModuleHubbops } from '../module';
import { hubbopsServiceTypesExtensionPoint } from './hubbopsServiceTypesExtensionPoint';
import { ServiceTypeHandler } from './ServiceTypeHandler';
import { runAction } from './__testUtils__/ActionHarness';

const elixir: ServiceTypeHandler<{ otp: number }> = {
  type: 'elixir',
  description: 'Elixir service',
  defaultBaseImage: 'docker.io/library/elixir:1.17',
  inputSchema: z.object({ otp: z.number().default(27) }).default({ otp: 27 }),
  async generate(ctx) {
    return [
      { path: 'mix.exs', content: `# ${ctx.name} on OTP ${ctx.options.otp}\n` },
      { path: 'Containerfile', content: `FROM ${ctx.baseImage}\n` },
    ];
  },
};

function moduleAdding(moduleId: string, handler: ServiceTypeHandler<any>) {
  return createBackendModule({
    pluginId: 'scaffolder',
    moduleId,
    register(reg) {
      reg.registerInit({
        deps: { serviceTypes: hubbopsServiceTypesExtensionPoint },
        async init({ serviceTypes }) {
          serviceTypes.addServiceType(handler);
        },
      });
    },
  });
}

describe('hubbopsServiceTypesExtensionPoint', () => {
  const mockDir = createMockDirectory();

  it('lets another scaffolder module add a service type that hubbops:codegen:service generates', async () => {
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
        moduleAdding('hubbops-elixir', elixir),
        mockServices.rootConfig.factory({
          data: {
            hubbops: {
              codegen: { elixir: { baseImage: 'localhost:5000/elixir:1' } },
            },
          },
        }),
      ],
    });
    const action = added.find(a => a.id === 'hubbops:codegen:service')!;
    mockDir.setContent({ workspace: {} });
    const { outputs } = await runAction(action, {
      input: {
        type: 'elixir',
        name: 'ledger',
        owner: 'group:default/team-a',
      },
      workspacePath: mockDir.resolve('workspace'),
    });
    expect(outputs.files).toEqual([
      'mix.exs',
      'Containerfile',
      'catalog-info.yaml',
    ]);
    expect(
      await readFile(mockDir.resolve('workspace/Containerfile'), 'utf8'),
    ).toBe('FROM localhost:5000/elixir:1\n');
    expect(await readFile(mockDir.resolve('workspace/mix.exs'), 'utf8')).toBe(
      '# ledger on OTP 27\n',
    );
  });

  it('refuses a second handler for a built-in type', async () => {
    await expect(
      startTestBackend({
        extensionPoints: [
          [scaffolderActionsExtensionPoint, { addActions: () => {} }],
        ],
        features: [
          scaffolderModuleHubbops,
          moduleAdding('hubbops-node2', { ...elixir, type: 'node' }),
        ],
      }),
    ).rejects.toThrow(/service type 'node' is already registered/);
  });
});
