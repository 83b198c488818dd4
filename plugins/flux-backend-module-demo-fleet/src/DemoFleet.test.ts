import { mockServices } from '@backstage/backend-test-utils';
import { DemoFleet } from './DemoFleet';

jest.setTimeout(30_000);

function tokenOf(kubeConfig: unknown): string {
  const match = /token: "([^"]+)"/.exec(String(kubeConfig));
  if (!match) throw new Error('no token in the kubeconfig');
  return match[1];
}

async function gitRepository(
  cluster: { url: string; kubeConfig: unknown },
  name: string,
  token = tokenOf(cluster.kubeConfig),
) {
  const response = await fetch(
    `${cluster.url}/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/${name}`,
    { headers: { authorization: `Bearer ${token}` } },
  );
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return (await response.json()) as {
    status?: { artifact?: { revision?: string } };
  };
}

describe('DemoFleet', () => {
  it('serves each cluster behind its own token, moves revisions, and stops', async () => {
    const fleet = await DemoFleet.start({ logger: mockServices.logger.mock() });
    const [first, second] = fleet.clusters();
    try {
      expect(tokenOf(first.kubeConfig)).not.toBe(tokenOf(second.kubeConfig));
      await expect(
        gitRepository(first, 'example-website', 'wrong'),
      ).rejects.toThrow(/HTTP 401/);

      await fleet.waitForIdle();
      const before = (await gitRepository(first, 'example-website')).status
        ?.artifact?.revision;
      expect(before).toMatch(/^main@sha1:[0-9a-f]{40}$/);

      fleet.step();
      await fleet.waitForIdle();
      const after = (await gitRepository(first, 'example-website')).status
        ?.artifact?.revision;
      expect(after).toMatch(/^main@sha1:[0-9a-f]{40}$/);
      expect(after).not.toBe(before);
    } finally {
      await fleet.stop();
    }
    await expect(gitRepository(first, 'example-website')).rejects.toThrow();
  });
});
