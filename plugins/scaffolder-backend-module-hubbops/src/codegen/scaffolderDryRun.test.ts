import {
  mockCredentials,
  startTestBackend,
} from '@backstage/backend-test-utils';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import { AddressInfo } from 'node:net';
import { scaffolderModuleHubbops } from '../module';

jest.setTimeout(60_000);

/** A template using both codegen actions, as the templates/ folder does. */
const template = {
  apiVersion: 'scaffolder.backstage.io/v1beta3',
  kind: 'Template',
  metadata: { name: 'node-service' },
  spec: {
    owner: 'group:default/platform',
    type: 'service',
    parameters: [
      {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string' } },
      },
    ],
    steps: [
      {
        id: 'code',
        action: 'hubbops:codegen:service',
        input: {
          type: 'node',
          name: '${{ parameters.name }}',
          owner: 'group:default/team-a',
          targetPath: 'service',
        },
      },
      {
        id: 'manifests',
        action: 'hubbops:codegen:manifests',
        input: {
          name: '${{ parameters.name }}',
          image: 'registry.example.com/team/${{ parameters.name }}:1',
          healthPath: '${{ steps.code.output.healthPath }}',
          source: { url: 'http://localhost:7007/api/hubbops-git/gitops.git' },
          gitopsPath: 'clusters/demo/apps/${{ parameters.name }}',
        },
      },
    ],
    output: {
      kustomization: '${{ steps.manifests.output.kustomization.name }}',
      containerfile: '${{ steps.code.output.containerfile }}',
    },
  },
};

describe('the codegen actions in the scaffolder', () => {
  async function dryRun(values: object) {
    const { server } = await startTestBackend({
      features: [scaffolderPlugin, scaffolderModuleHubbops],
    });
    const { port } = server.address() as AddressInfo;
    const response = await fetch(
      `http://localhost:${port}/api/scaffolder/v2/dry-run`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          // A service principal: no user entity to look up in a catalog.
          authorization: mockCredentials.service.header(),
        },
        body: JSON.stringify({ template, values, directoryContents: [] }),
      },
    );
    return { status: response.status, body: await response.json() };
  }

  it('pass the scaffolder input validation and dry-run a template', async () => {
    const { status, body } = await dryRun({ name: 'shop' });
    expect(status).toBe(200);
    expect(body.output).toEqual({
      kustomization: 'shop',
      containerfile: 'Containerfile',
    });
    expect(body.log.map((e: any) => e.body.message).join('\n')).toContain(
      'dry run: would write manifests/base/deployment.yaml',
    );
  });

  it("fail the step with the action's message on a bad name", async () => {
    const { body } = await dryRun({ name: 'My_Service' });
    expect(JSON.stringify(body)).toContain(
      "name 'My_Service' must be a DNS label",
    );
  });
});
