/** An error answered the way GitHub's REST API answers it. */
export class GitHubApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: unknown[],
  ) {
    super(message);
  }

  get body() {
    return {
      message: this.message,
      ...(this.errors ? { errors: this.errors } : {}),
      documentation_url: 'https://docs.github.com/rest',
      status: String(this.status),
    };
  }
}

/** What a route handler gets. */
export interface GitHubRouteRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  body: any;
  /** The login of the token's user. */
  login: string;
}

export interface GitHubRouteResponse {
  status: number;
  body: unknown;
}

export interface GitHubRoute {
  method: string;
  /** e.g. `/repos/{owner}/{repo}/git/ref/{ref+}`; `+` takes the rest of the path. */
  pattern: string;
  handler(request: GitHubRouteRequest): Promise<GitHubRouteResponse>;
}

/** Matches request paths against route patterns. */
export class GitHubApiRouter {
  private readonly compiled: Array<{
    route: GitHubRoute;
    regex: RegExp;
    names: string[];
  }>;

  constructor(routes: GitHubRoute[]) {
    this.compiled = routes.map(route => {
      const names: string[] = [];
      const source = route.pattern.replace(
        /\{(\w+)(\+?)\}/g,
        (_, name: string, rest: string) => {
          names.push(name);
          return rest ? '(.+)' : '([^/]+)';
        },
      );
      return { route, regex: new RegExp(`^${source}$`), names };
    });
  }

  match(
    method: string,
    pathname: string,
  ): { route: GitHubRoute; params: Record<string, string> } | undefined {
    for (const { route, regex, names } of this.compiled) {
      if (route.method !== method) continue;
      const found = regex.exec(pathname);
      if (!found) continue;
      const params: Record<string, string> = {};
      names.forEach((name, i) => {
        params[name] = decodeURIComponent(found[i + 1]);
      });
      return { route, params };
    }
    return undefined;
  }
}
