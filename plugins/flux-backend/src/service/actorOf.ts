import {
  AuthService,
  BackstageCredentials,
} from '@backstage/backend-plugin-api';

/** Who made a request: a user's entity ref or a service's subject. */
export function actorOf(
  auth: AuthService,
  credentials: BackstageCredentials,
): string | undefined {
  if (auth.isPrincipal(credentials, 'user')) {
    return credentials.principal.userEntityRef;
  }
  if (auth.isPrincipal(credentials, 'service')) {
    return credentials.principal.subject;
  }
  return undefined;
}
