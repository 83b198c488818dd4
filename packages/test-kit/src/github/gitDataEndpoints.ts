import { GitHubApiError, GitHubRoute } from './GitHubApiRouter';
import { TestGitHubRepositories } from './TestGitHubRepositories';

const SHA = /^[0-9a-f]{40}$/;
const MODES = new Set(['100644', '100755', '040000', '160000', '120000']);

/** A person in Git Data API bodies. */
interface GitHubPerson {
  name?: string;
  email?: string;
  date?: string;
}

/**
 * The repository, refs, blobs, trees, commits and contents endpoints,
 * written straight into the bare repositories with git plumbing.
 */
export function gitDataEndpoints(
  repos: TestGitHubRepositories,
  identityOf: (login: string) => { name: string; email: string },
): GitHubRoute[] {
  const { store } = repos;
  const base = (owner: string, repo: string) => {
    const found = repos.get(owner, repo);
    return { found, name: repos.storeName(found), api: repos.apiUrl(found) };
  };

  const renderRef = (api: string, ref: string, sha: string) => ({
    ref,
    node_id: `REF_${sha.slice(0, 8)}`,
    url: `${api}/git/${ref}`,
    object: { sha, type: 'commit', url: `${api}/git/commits/${sha}` },
  });

  const renderCommit = async (name: string, api: string, sha: string) => {
    const commit = await store.readCommit(name, sha);
    return {
      sha,
      node_id: `C_${sha.slice(0, 8)}`,
      url: `${api}/git/commits/${sha}`,
      html_url: `${api.replace('/repos/', '/')}/commit/${sha}`,
      author: commit.author,
      committer: commit.committer,
      message: commit.message,
      tree: { sha: commit.tree, url: `${api}/git/trees/${commit.tree}` },
      parents: commit.parents.map(p => ({
        sha: p,
        url: `${api}/git/commits/${p}`,
      })),
      verification: { verified: false, reason: 'unsigned' },
    };
  };

  const renderTree = async (
    name: string,
    api: string,
    sha: string,
    recursive: boolean,
  ) => ({
    sha,
    url: `${api}/git/trees/${sha}`,
    tree: (await store.listTree(name, sha, recursive)).map(entry => ({
      path: entry.path,
      mode: entry.mode,
      type: entry.type,
      sha: entry.sha,
      ...(entry.size !== undefined ? { size: entry.size } : {}),
      url: `${api}/git/${entry.type}s/${entry.sha}`,
    })),
    truncated: false,
  });

  const person = (
    given: GitHubPerson | undefined,
    login: string,
  ): { name: string; email: string; date?: string } => {
    const fallback = identityOf(login);
    return {
      name: given?.name ?? fallback.name,
      email: given?.email ?? fallback.email,
      ...(given?.date ? { date: given.date } : {}),
    };
  };

  return [
    {
      method: 'GET',
      pattern: '/repos/{owner}/{repo}',
      async handler({ params }) {
        return {
          status: 200,
          body: await repos.render(repos.get(params.owner, params.repo)),
        };
      },
    },
    {
      method: 'GET',
      pattern: '/repos/{owner}/{repo}/git/ref/{ref+}',
      async handler({ params }) {
        const { name, api } = base(params.owner, params.repo);
        const ref = `refs/${params.ref}`;
        const sha = await store.resolve(name, ref);
        if (!sha || !params.ref.startsWith('heads/')) {
          throw new GitHubApiError(404, 'Not Found');
        }
        return { status: 200, body: renderRef(api, ref, sha) };
      },
    },
    {
      method: 'POST',
      pattern: '/repos/{owner}/{repo}/git/refs',
      async handler({ params, body }) {
        const { name, api } = base(params.owner, params.repo);
        const ref = String(body?.ref ?? '');
        const sha = String(body?.sha ?? '');
        if (!/^refs\/[^/]+\/.+/.test(ref)) {
          throw new GitHubApiError(422, `${ref} is not a valid ref name.`);
        }
        if ((await store.objectType(name, sha)) !== 'commit') {
          throw new GitHubApiError(422, 'Object does not exist');
        }
        if (await store.resolve(name, ref)) {
          throw new GitHubApiError(422, 'Reference already exists');
        }
        try {
          await store.updateRef(name, ref, sha, '');
        } catch {
          throw new GitHubApiError(422, 'Reference already exists');
        }
        return { status: 201, body: renderRef(api, ref, sha) };
      },
    },
    {
      method: 'PATCH',
      pattern: '/repos/{owner}/{repo}/git/refs/{ref+}',
      async handler({ params, body }) {
        const { name, api } = base(params.owner, params.repo);
        const ref = `refs/${params.ref.replace(/^refs\//, '')}`;
        const sha = String(body?.sha ?? '');
        const current = await store.resolve(name, ref);
        if (!current) throw new GitHubApiError(422, 'Reference does not exist');
        if ((await store.objectType(name, sha)) !== 'commit') {
          throw new GitHubApiError(422, 'Object does not exist');
        }
        if (!body?.force && !(await store.isAncestor(name, current, sha))) {
          throw new GitHubApiError(422, 'Update is not a fast forward');
        }
        try {
          await store.updateRef(name, ref, sha, current);
        } catch {
          // Someone moved the ref between the check and the update.
          throw new GitHubApiError(422, 'Update is not a fast forward');
        }
        return { status: 200, body: renderRef(api, ref, sha) };
      },
    },
    {
      method: 'POST',
      pattern: '/repos/{owner}/{repo}/git/blobs',
      async handler({ params, body }) {
        const { name, api } = base(params.owner, params.repo);
        if (typeof body?.content !== 'string') {
          throw new GitHubApiError(422, 'Invalid request.', [
            { resource: 'Blob', field: 'content', code: 'missing_field' },
          ]);
        }
        const encoding = body.encoding ?? 'utf-8';
        if (encoding !== 'utf-8' && encoding !== 'base64') {
          throw new GitHubApiError(
            422,
            `encoding must be utf-8 or base64, not ${encoding}`,
          );
        }
        const sha = await store.hashObject(
          name,
          Buffer.from(body.content, encoding === 'base64' ? 'base64' : 'utf8'),
        );
        return { status: 201, body: { sha, url: `${api}/git/blobs/${sha}` } };
      },
    },
    {
      method: 'GET',
      pattern: '/repos/{owner}/{repo}/git/blobs/{sha}',
      async handler({ params }) {
        const { name, api } = base(params.owner, params.repo);
        if ((await store.objectType(name, params.sha)) !== 'blob') {
          throw new GitHubApiError(404, 'Not Found');
        }
        const content = await store.readBlob(name, params.sha);
        return {
          status: 200,
          body: {
            sha: params.sha,
            size: content.length,
            url: `${api}/git/blobs/${params.sha}`,
            content: content.toString('base64'),
            encoding: 'base64',
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: '/repos/{owner}/{repo}/git/trees/{tree+}',
      async handler({ params, query }) {
        const { name, api } = base(params.owner, params.repo);
        let sha: string;
        try {
          sha = (
            await store.git(name, [
              'rev-parse',
              '--verify',
              `${params.tree}^{tree}`,
            ])
          )
            .toString()
            .trim();
        } catch {
          throw new GitHubApiError(404, 'Not Found');
        }
        const recursive =
          !!query.get('recursive') && query.get('recursive') !== '0';
        return {
          status: 200,
          body: await renderTree(name, api, sha, recursive),
        };
      },
    },
    {
      method: 'POST',
      pattern: '/repos/{owner}/{repo}/git/trees',
      async handler({ params, body }) {
        const { name, api } = base(params.owner, params.repo);
        if (!Array.isArray(body?.tree)) {
          throw new GitHubApiError(422, 'Invalid request.', [
            { resource: 'Tree', field: 'tree', code: 'missing_field' },
          ]);
        }
        if (body.base_tree !== undefined) {
          const type = await store.objectType(name, String(body.base_tree));
          if (type !== 'tree' && type !== 'commit') {
            throw new GitHubApiError(422, 'Invalid tree info', [
              'base_tree is not a tree',
            ]);
          }
        }
        const changes = [];
        const types = await store.objectTypes(
          name,
          body.tree
            .filter((e: any) => typeof e?.sha === 'string')
            .map((e: any) => e.sha),
        );
        for (const entry of body.tree) {
          const path = String(entry?.path ?? '');
          if (
            !path ||
            path.startsWith('/') ||
            path.endsWith('/') ||
            path.split('/').some(p => p === '' || p === '.' || p === '..')
          ) {
            throw new GitHubApiError(422, `tree.path "${path}" is not valid`);
          }
          if (!MODES.has(String(entry.mode))) {
            throw new GitHubApiError(
              422,
              `tree.mode "${entry.mode}" is not valid for ${path}`,
            );
          }
          if (entry.sha === null) {
            changes.push({ path, mode: String(entry.mode), sha: null });
          } else if (typeof entry.content === 'string') {
            changes.push({
              path,
              mode: String(entry.mode),
              sha: await store.hashObject(name, entry.content),
            });
          } else {
            const sha = String(entry.sha ?? '');
            if (!SHA.test(sha) || !types.get(sha)) {
              throw new GitHubApiError(
                422,
                `GitRPC::BadObjectState: tree.sha ${sha} for ${path} does not exist`,
              );
            }
            changes.push({ path, mode: String(entry.mode), sha });
          }
        }
        const sha = await store.writeTree(name, body.base_tree, changes);
        return { status: 201, body: await renderTree(name, api, sha, false) };
      },
    },
    {
      method: 'GET',
      pattern: '/repos/{owner}/{repo}/git/commits/{sha}',
      async handler({ params }) {
        const { name, api } = base(params.owner, params.repo);
        if ((await store.objectType(name, params.sha)) !== 'commit') {
          throw new GitHubApiError(404, 'Not Found');
        }
        return { status: 200, body: await renderCommit(name, api, params.sha) };
      },
    },
    {
      method: 'POST',
      pattern: '/repos/{owner}/{repo}/git/commits',
      async handler({ params, body, login }) {
        const { name, api } = base(params.owner, params.repo);
        if (typeof body?.message !== 'string' || !body.message) {
          throw new GitHubApiError(422, 'Invalid request.', [
            { resource: 'Commit', field: 'message', code: 'missing_field' },
          ]);
        }
        if ((await store.objectType(name, String(body.tree))) !== 'tree') {
          throw new GitHubApiError(422, 'Tree SHA does not exist');
        }
        const parents: string[] = Array.isArray(body.parents)
          ? body.parents
          : [];
        for (const parent of parents) {
          if ((await store.objectType(name, String(parent))) !== 'commit') {
            throw new GitHubApiError(
              422,
              'Parent SHA does not exist or is not a commit object',
            );
          }
        }
        const author = person(body.author, login);
        const sha = await store.commitTree(name, {
          tree: body.tree,
          parents,
          message: body.message,
          author,
          committer: body.committer ? person(body.committer, login) : author,
        });
        return { status: 201, body: await renderCommit(name, api, sha) };
      },
    },
    {
      method: 'GET',
      pattern: '/repos/{owner}/{repo}/contents/{path+}',
      async handler({ params, query }) {
        const { found, name, api } = base(params.owner, params.repo);
        const ref = query.get('ref') ?? (await store.defaultBranch(name));
        const path = params.path.replace(/\/+$/, '');
        let type: string | undefined;
        let sha: string;
        try {
          sha = (
            await store.git(name, ['rev-parse', '--verify', `${ref}:${path}`])
          )
            .toString()
            .trim();
          type = await store.objectType(name, sha);
        } catch {
          throw new GitHubApiError(404, 'Not Found');
        }
        const html = `${repos.htmlUrl(found)}/blob/${ref}`;
        if (type === 'tree') {
          const entries = await store.listTree(name, sha);
          return {
            status: 200,
            body: entries.map(entry => ({
              type: entry.type === 'tree' ? 'dir' : 'file',
              name: entry.path,
              path: `${path}/${entry.path}`,
              sha: entry.sha,
              size: entry.size ?? 0,
              url: `${api}/contents/${path}/${entry.path}?ref=${ref}`,
              html_url: `${html}/${path}/${entry.path}`,
            })),
          };
        }
        const content = await store.readBlob(name, sha);
        return {
          status: 200,
          body: {
            type: 'file',
            encoding: 'base64',
            size: content.length,
            name: path.split('/').pop(),
            path,
            sha,
            content: content.toString('base64'),
            url: `${api}/contents/${path}?ref=${ref}`,
            html_url: `${html}/${path}`,
          },
        };
      },
    },
  ];
}
