import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

/** One `hubbops.git.credentials[]` entry. */
interface GitHostCredentials {
  host: string;
  authorization: string;
  secret: string;
}

/**
 * Credentials for plain git servers from `hubbops.git.credentials`, turned
 * into `Authorization` header values that git sends through
 * `http.<url>.extraHeader`, so they never appear in URLs, argv or logs.
 */
export class GitCredentialDirectory {
  private constructor(private readonly entries: GitHostCredentials[]) {}

  static fromConfig(config: Config): GitCredentialDirectory {
    const list = config.getOptionalConfigArray('hubbops.git.credentials') ?? [];
    const seen = new Set<string>();
    const entries = list.map((entry, index) => {
      const where = `hubbops.git.credentials[${index}]`;
      const host = entry
        .getString('host')
        .trim()
        .replace(/^https?:\/\//, '')
        .replace(/\/+$/, '')
        .toLowerCase();
      if (!host || /[\s/@]/.test(host)) {
        throw new InputError(
          `${where}.host "${host}" must be a host[:port], e.g. git.example.com`,
        );
      }
      if (seen.has(host)) {
        throw new InputError(`${where}: host ${host} is listed twice`);
      }
      seen.add(host);
      const username = entry.getOptionalString('username');
      const password = entry.getOptionalString('password');
      const token = entry.getOptionalString('token');
      if (password !== undefined && token !== undefined) {
        throw new InputError(
          `${where}: give either password or token, not both`,
        );
      }
      if (password !== undefined) {
        if (!username) {
          throw new InputError(`${where}: a password needs a username`);
        }
        return {
          host,
          secret: password,
          authorization: `Basic ${Buffer.from(
            `${username}:${password}`,
          ).toString('base64')}`,
        };
      }
      if (token !== undefined) {
        // With a username the token is a password (GitHub, GitLab, Gitea
        // accept that); alone it is a bearer token.
        return {
          host,
          secret: token,
          authorization: username
            ? `Basic ${Buffer.from(`${username}:${token}`).toString('base64')}`
            : `Bearer ${token}`,
        };
      }
      throw new InputError(`${where}: give a password or a token`);
    });
    return new GitCredentialDirectory(entries);
  }

  /** The `Authorization` value for a repository URL, if its host has credentials. */
  authorizationFor(url: URL): string | undefined {
    const host = url.host.toLowerCase();
    return this.entries.find(entry => entry.host === host)?.authorization;
  }

  /** Every secret, and the header values built from them, for redaction. */
  secrets(): string[] {
    return this.entries.flatMap(entry => [
      entry.secret,
      entry.authorization,
      entry.authorization.replace(/^\w+ /, ''),
    ]);
  }
}
