import { SignInPage as CoreSignInPage } from '@backstage/core-components';
import {
  configApiRef,
  githubAuthApiRef,
  useApi,
} from '@backstage/core-plugin-api';
import { SignInPageProps } from '@backstage/plugin-app-react';

const githubProvider = {
  id: 'github-auth-provider',
  title: 'GitHub',
  message: 'Sign in with your GitHub account',
  apiRef: githubAuthApiRef,
};

/**
 * Guest sign-in for local use, GitHub for production: the backend only enables
 * the guest provider outside production, so it is not offered there.
 */
export const SignInPage = (props: SignInPageProps) => {
  const config = useApi(configApiRef);
  const production =
    config.getOptionalString('auth.environment') === 'production';
  return (
    <CoreSignInPage
      {...props}
      providers={production ? [githubProvider] : ['guest', githubProvider]}
    />
  );
};
