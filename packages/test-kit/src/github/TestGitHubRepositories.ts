import { GitRepositoryStore } from '../git/GitRepositoryStore';
import { GitHubApiError } from './GitHubApiRouter';

/** GitHub's view of one repository beside its bare git repository. */
export interface TestGitHubRepository {
  id: number;
  owner: string;
  name: string;
  private: boolean;
}

/** Repositories of the test GitHub, and how GitHub renders them. */
export class TestGitHubRepositories {
  private readonly byName = new Map<string, TestGitHubRepository>();
  private nextId = 1000;

  constructor(
    readonly store: GitRepositoryStore,
    /** The server's base URL (API, git and web pages share it). */
    readonly baseUrl: () => string,
  ) {}

  add(owner: string, name: string, isPrivate: boolean): TestGitHubRepository {
    const repo = { id: this.nextId++, owner, name, private: isPrivate };
    this.byName.set(`${owner}/${name}`.toLowerCase(), repo);
    return repo;
  }

  find(owner: string, name: string): TestGitHubRepository | undefined {
    return this.byName.get(`${owner}/${name}`.toLowerCase());
  }

  /** The repository, or GitHub's 404. */
  get(owner: string, name: string): TestGitHubRepository {
    const repo = this.find(owner, name);
    if (!repo) throw new GitHubApiError(404, 'Not Found');
    return repo;
  }

  storeName(repo: TestGitHubRepository): string {
    return `${repo.owner}/${repo.name}`;
  }

  apiUrl(repo: TestGitHubRepository): string {
    return `${this.baseUrl()}/repos/${repo.owner}/${repo.name}`;
  }

  htmlUrl(repo: TestGitHubRepository): string {
    return `${this.baseUrl()}/${repo.owner}/${repo.name}`;
  }

  cloneUrl(repo: TestGitHubRepository): string {
    return `${this.baseUrl()}/${repo.owner}/${repo.name}.git`;
  }

  async render(repo: TestGitHubRepository) {
    return {
      id: repo.id,
      node_id: `R_${repo.id}`,
      name: repo.name,
      full_name: `${repo.owner}/${repo.name}`,
      owner: { login: repo.owner, id: 1, type: 'Organization' },
      private: repo.private,
      visibility: repo.private ? 'private' : 'public',
      html_url: this.htmlUrl(repo),
      url: this.apiUrl(repo),
      clone_url: this.cloneUrl(repo),
      default_branch: await this.store.defaultBranch(this.storeName(repo)),
      permissions: { admin: true, push: true, pull: true },
    };
  }
}
