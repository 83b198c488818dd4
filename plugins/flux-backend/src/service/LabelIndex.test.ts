import { LabelIndex } from './LabelIndex';
import { LabelSelector } from './LabelSelector';

describe('LabelIndex', () => {
  it('finds members by the value of its label and by selector, once per label set', () => {
    const index = new LabelIndex<string>('backstage.io/kubernetes-id');
    index.add('a', { 'backstage.io/kubernetes-id': 'shop', app: 'web' });
    // The same labels in another order are the same label set.
    index.add('b', { app: 'web', 'backstage.io/kubernetes-id': 'shop' });
    index.add('c', { app: 'api' });
    expect(index.labelSets).toBe(2);

    expect([...index.withLabel('shop')]).toEqual(['a', 'b']);
    expect([...index.withLabel('cart')]).toEqual([]);
    expect([...index.matching(LabelSelector.parse('app=web'))]).toEqual([
      'a',
      'b',
    ]);
    expect([
      ...index.matching(LabelSelector.parse('!backstage.io/kubernetes-id')),
    ]).toEqual(['c']);
  });

  it('forgets members, and label sets no member has any more', () => {
    const index = new LabelIndex<string>('backstage.io/kubernetes-id');
    const labels = { 'backstage.io/kubernetes-id': 'shop' };
    index.add('a', labels);
    index.add('b', { ...labels });
    index.delete('a', labels);
    expect([...index.withLabel('shop')]).toEqual(['b']);
    index.delete('b', labels);
    expect([...index.withLabel('shop')]).toEqual([]);
    expect([...index.matching(LabelSelector.parse('app'))]).toEqual([]);
    expect(index.labelSets).toBe(0);
  });
});
