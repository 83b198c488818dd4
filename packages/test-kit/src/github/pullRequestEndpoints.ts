import { GitHubApiError, GitHubRoute } from './GitHubApiRouter';
import {
  TestGitHubRepositories,
  TestGitHubRepository,
} from './TestGitHubRepositories';

/** A pull request as the test server keeps it. */
export interface TestGitHubPullRequest {
  owner: string;
  repo: string;
  number: number;
  title: string;
  body: string | null;
  head: string;
  base: string;
  state: 'open' | 'closed';
  draft: boolean;
  user: string;
  createdAt: string;
}

/** Pull requests of every repository, numbered per repository. */
export class TestGitHubPullRequests {
  readonly all: TestGitHubPullRequest[] = [];

  of(repo: TestGitHubRepository): TestGitHubPullRequest[] {
    return this.all.filter(
      pr =>
        pr.owner.toLowerCase() === repo.owner.toLowerCase() &&
        pr.repo.toLowerCase() === repo.name.toLowerCase(),
    );
  }
}

/** POST/GET pulls, with GitHub's head/base/state filters and 422s. */
export function pullRequestEndpoints(
  repos: TestGitHubRepositories,
  pulls: TestGitHubPullRequests,
): GitHubRoute[] {
  const { store } = repos;

  const render = async (
    repo: TestGitHubRepository,
    pr: TestGitHubPullRequest,
  ) => {
    const name = repos.storeName(repo);
    const rendered = await repos.render(repo);
    const side = async (ref: string) => ({
      label: `${repo.owner}:${ref}`,
      ref,
      sha: (await store.resolve(name, `refs/heads/${ref}`)) ?? null,
      repo: rendered,
      user: { login: repo.owner },
    });
    return {
      id: repo.id * 100000 + pr.number,
      number: pr.number,
      state: pr.state,
      title: pr.title,
      body: pr.body,
      draft: pr.draft,
      merged: false,
      user: { login: pr.user },
      url: `${repos.apiUrl(repo)}/pulls/${pr.number}`,
      html_url: `${repos.htmlUrl(repo)}/pull/${pr.number}`,
      head: await side(pr.head),
      base: await side(pr.base),
      created_at: pr.createdAt,
      updated_at: pr.createdAt,
    };
  };

  /** `owner:branch` or `branch`, for this repository (no forks here). */
  const branchOf = (repo: TestGitHubRepository, head: string) => {
    const colon = head.indexOf(':');
    if (colon < 0) return head;
    if (head.slice(0, colon).toLowerCase() !== repo.owner.toLowerCase()) {
      return undefined;
    }
    return head.slice(colon + 1);
  };

  return [
    {
      method: 'POST',
      pattern: '/repos/{owner}/{repo}/pulls',
      async handler({ params, body, login }) {
        const repo = repos.get(params.owner, params.repo);
        const name = repos.storeName(repo);
        const head = branchOf(repo, String(body?.head ?? ''));
        const baseRef = String(body?.base ?? '');
        if (!body?.title) {
          throw new GitHubApiError(422, 'Validation Failed', [
            { resource: 'PullRequest', field: 'title', code: 'missing_field' },
          ]);
        }
        const headSha =
          head && (await store.resolve(name, `refs/heads/${head}`));
        const baseSha = await store.resolve(name, `refs/heads/${baseRef}`);
        if (!headSha) {
          throw new GitHubApiError(422, 'Validation Failed', [
            { resource: 'PullRequest', field: 'head', code: 'invalid' },
          ]);
        }
        if (!baseSha) {
          throw new GitHubApiError(422, 'Validation Failed', [
            { resource: 'PullRequest', field: 'base', code: 'invalid' },
          ]);
        }
        if (
          pulls
            .of(repo)
            .some(
              pr =>
                pr.state === 'open' && pr.head === head && pr.base === baseRef,
            )
        ) {
          throw new GitHubApiError(422, 'Validation Failed', [
            {
              resource: 'PullRequest',
              code: 'custom',
              message: `A pull request already exists for ${repo.owner}:${head}.`,
            },
          ]);
        }
        if (await store.isAncestor(name, headSha, baseSha)) {
          throw new GitHubApiError(422, 'Validation Failed', [
            {
              resource: 'PullRequest',
              code: 'custom',
              message: `No commits between ${baseRef} and ${head}`,
            },
          ]);
        }
        const pr: TestGitHubPullRequest = {
          owner: repo.owner,
          repo: repo.name,
          number: pulls.of(repo).length + 1,
          title: String(body.title),
          body: body.body ?? null,
          head,
          base: baseRef,
          state: 'open',
          draft: !!body.draft,
          user: login,
          createdAt: new Date().toISOString(),
        };
        pulls.all.push(pr);
        return { status: 201, body: await render(repo, pr) };
      },
    },
    {
      method: 'GET',
      pattern: '/repos/{owner}/{repo}/pulls',
      async handler({ params, query }) {
        const repo = repos.get(params.owner, params.repo);
        const state = query.get('state') ?? 'open';
        const head = query.get('head');
        const headBranch = head ? branchOf(repo, head) : undefined;
        const baseRef = query.get('base');
        const perPage = Math.min(Number(query.get('per_page') ?? 30), 100);
        const page = Math.max(Number(query.get('page') ?? 1), 1);
        const matching = pulls
          .of(repo)
          .filter(pr => state === 'all' || pr.state === state)
          .filter(
            pr => !head || (headBranch !== undefined && pr.head === headBranch),
          )
          .filter(pr => !baseRef || pr.base === baseRef)
          .sort((a, b) => b.number - a.number)
          .slice((page - 1) * perPage, page * perPage);
        return {
          status: 200,
          body: await Promise.all(matching.map(pr => render(repo, pr))),
        };
      },
    },
    {
      method: 'GET',
      pattern: '/repos/{owner}/{repo}/pulls/{number}',
      async handler({ params }) {
        const repo = repos.get(params.owner, params.repo);
        const pr = pulls.of(repo).find(p => p.number === Number(params.number));
        if (!pr) throw new GitHubApiError(404, 'Not Found');
        return { status: 200, body: await render(repo, pr) };
      },
    },
    {
      method: 'PATCH',
      pattern: '/repos/{owner}/{repo}/pulls/{number}',
      async handler({ params, body }) {
        const repo = repos.get(params.owner, params.repo);
        const pr = pulls.of(repo).find(p => p.number === Number(params.number));
        if (!pr) throw new GitHubApiError(404, 'Not Found');
        if (body?.state === 'open' || body?.state === 'closed') {
          pr.state = body.state;
        }
        if (typeof body?.title === 'string') pr.title = body.title;
        if (body?.body !== undefined) pr.body = body.body;
        return { status: 200, body: await render(repo, pr) };
      },
    },
  ];
}
