import { LabelSelector } from './LabelSelector';

describe('LabelSelector', () => {
  const labels = { app: 'web', env: 'prod', release: 'r1' };

  it('matches equality and inequality requirements', () => {
    expect(LabelSelector.parse('app=web,env!=stage').matches(labels)).toBe(
      true,
    );
    expect(LabelSelector.parse('app==api').matches(labels)).toBe(false);
    expect(LabelSelector.parse('missing!=x').matches(labels)).toBe(true);
  });

  it('matches set-based and existence requirements', () => {
    expect(
      LabelSelector.parse('env in (prod, stage),release').matches(labels),
    ).toBe(true);
    expect(LabelSelector.parse('env notin (prod)').matches(labels)).toBe(false);
    expect(LabelSelector.parse('!canary').matches(labels)).toBe(true);
    expect(LabelSelector.parse('!app').matches(labels)).toBe(false);
  });

  it('rejects a malformed selector with an InputError', () => {
    expect(() => LabelSelector.parse('app in prod')).toThrow(
      /Invalid label selector/,
    );
  });
});
