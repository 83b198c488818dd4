import { ApiStatusError } from './ApiStatusError';
import {
  matchesFieldSelector,
  matchesLabelSelector,
  parseFieldSelector,
  parseLabelSelector,
} from './Selectors';

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'frontend', version: '3' };
  const matches = (selector: string, target: Record<string, string> = labels) =>
    matchesLabelSelector(parseLabelSelector(selector), target);

  it.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=api', false],
    ['app!=api', true],
    ['missing!=x', true],
    ['app in (web, api)', true],
    ['app in (api)', false],
    ['app notin (api,db)', true],
    ['missing notin (x)', true],
    ['tier', true],
    ['!tier', false],
    ['!missing', true],
    ['version>2', true],
    ['version<3', false],
    ['app=web,tier in (frontend),!legacy', true],
    ['app=web,tier=backend', false],
  ])('%s matches: %s', (selector, expected) => {
    expect(matches(selector)).toBe(expected);
  });

  it('accepts empty values, as in `key=`', () => {
    expect(matches('empty=', { empty: '' })).toBe(true);
    expect(matches('empty=', { empty: 'x' })).toBe(false);
  });

  it.each([
    'app in web',
    'app in ()',
    'app=web,',
    '=web',
    'app=(web)',
    'bad key=x',
    'version>two',
  ])('rejects %s with a 400', selector => {
    let error: unknown;
    try {
      parseLabelSelector(selector);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ApiStatusError);
    expect((error as ApiStatusError).status).toMatchObject({
      code: 400,
      reason: 'BadRequest',
    });
  });
});

describe('field selectors', () => {
  const event = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'apps.1', namespace: 'flux-system' },
    involvedObject: { kind: 'Kustomization', name: 'apps' },
    source: { component: 'kustomize-controller' },
  };
  const fields = ['involvedObject.name', 'involvedObject.kind', 'source'];

  it('matches equality and inequality on selectable fields', () => {
    const match = (selector: string) =>
      matchesFieldSelector(parseFieldSelector(selector, fields), event);
    expect(match('metadata.name=apps.1,metadata.namespace==flux-system')).toBe(
      true,
    );
    expect(
      match('involvedObject.name=apps,involvedObject.kind!=HelmRelease'),
    ).toBe(true);
    expect(match('involvedObject.name=other')).toBe(false);
    expect(match('source=kustomize-controller')).toBe(true);
  });

  it('unescapes values and rejects unknown fields', () => {
    const selector = parseFieldSelector('metadata.name=a\\,b', []);
    expect(selector).toEqual([
      { field: 'metadata.name', operator: '=', value: 'a,b' },
    ]);
    expect(() => parseFieldSelector('spec.suspend=true', fields)).toThrow(
      'field label not supported: spec.suspend',
    );
    expect(() => parseFieldSelector('metadata.name', fields)).toThrow(
      ApiStatusError,
    );
  });
});
