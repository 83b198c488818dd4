import { InputError } from '@backstage/errors';
import { ScmIntegrationRegistry } from '@backstage/integration';

/** Where `hubbops:gitops:push` pushes to. */
export type GitopsRepository =
  | {
      kind: 'github';
      host: string;
      owner: string;
      repo: string;
      apiBaseUrl: string;
      /** `https://<host>/<owner>/<repo>.git` */
      cloneUrl: string;
    }
  | {
      kind: 'git';
      url: URL;
      /** The URL as given, without credentials. */
      cloneUrl: string;
    };

/**
 * Reads `repoUrl`: the RepoUrlPicker format (`github.com?owner=o&repo=r`)
 * or a git HTTP(S) URL. Hosts configured under `integrations.github` go
 * through the GitHub API; other hosts are plain git servers.
 */
export function parseGitopsRepoUrl(
  repoUrl: string,
  integrations: ScmIntegrationRegistry,
): GitopsRepository {
  const value = repoUrl.trim();
  const github = (
    host: string,
    owner: string,
    repo: string,
  ): GitopsRepository => {
    const integration = integrations.github.byHost(host);
    if (!integration) {
      throw new InputError(
        `repoUrl "${repoUrl}" names ${host}, which has no GitHub integration; add it under integrations.github in app-config, or give a git HTTP(S) URL`,
      );
    }
    return {
      kind: 'github',
      host,
      owner,
      repo,
      apiBaseUrl: integration.config.apiBaseUrl ?? `https://api.${host}`,
      cloneUrl: `https://${host}/${owner}/${repo}.git`,
    };
  };

  if (!/^https?:\/\//i.test(value)) {
    // RepoUrlPicker: host?owner=o&repo=r
    let url: URL;
    try {
      url = new URL(`https://${value}`);
    } catch {
      throw new InputError(
        `repoUrl "${repoUrl}" is neither host?owner=o&repo=r (RepoUrlPicker) nor an http(s) URL`,
      );
    }
    const owner = url.searchParams.get('owner');
    const repo = url.searchParams.get('repo');
    if (!owner || !repo || url.pathname !== '/') {
      throw new InputError(
        `repoUrl "${repoUrl}" must be host?owner=<owner>&repo=<repo>, e.g. github.com?owner=acme&repo=gitops`,
      );
    }
    if (integrations.github.byHost(url.host))
      return github(url.host, owner, repo);
    throw new InputError(
      `repoUrl "${repoUrl}" names ${url.host}, which has no GitHub integration; for a plain git server give its clone URL, e.g. https://${url.host}/${owner}/${repo}.git`,
    );
  }

  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(`repoUrl "${repoUrl}" is not a valid URL`);
  }
  if (url.username || url.password) {
    throw new InputError(
      'repoUrl must not contain credentials; configure them under hubbops.git.credentials (or integrations.github) in app-config',
    );
  }
  if (url.search || url.hash) {
    throw new InputError(
      `repoUrl "${repoUrl}" must not have a query or fragment`,
    );
  }
  if (integrations.github.byHost(url.host)) {
    const match = /^\/([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(url.pathname);
    if (!match) {
      throw new InputError(
        `repoUrl "${repoUrl}" must name a repository, e.g. https://${url.host}/<owner>/<repo>`,
      );
    }
    return github(url.host, match[1], match[2]);
  }
  return { kind: 'git', url, cloneUrl: url.toString() };
}
