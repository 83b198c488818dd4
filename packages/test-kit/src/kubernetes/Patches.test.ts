import { ApiStatusError } from './ApiStatusError';
import {
  applyJsonPatch,
  applyMergePatch,
  applyServerSideApply,
  applyStrategicMergePatch,
} from './Patches';

describe('applyMergePatch (RFC 7386)', () => {
  it('merges objects, deletes on null and replaces lists', () => {
    expect(
      applyMergePatch(
        { a: { b: 1, c: 2 }, list: [1, 2], keep: true },
        { a: { b: null, d: 3 }, list: [3] },
      ),
    ).toEqual({ a: { c: 2, d: 3 }, list: [3], keep: true });
  });

  it('replaces the whole document with a non-object patch', () => {
    expect(applyMergePatch({ a: 1 }, ['x'])).toEqual(['x']);
  });
});

describe('applyJsonPatch (RFC 6902)', () => {
  const document = {
    metadata: { annotations: { 'a/b': '1' } },
    spec: { items: [1, 2] },
  };

  it('applies operations, with ~1 escaping slashes', () => {
    expect(
      applyJsonPatch(document, [
        { op: 'replace', path: '/metadata/annotations/a~1b', value: '2' },
        { op: 'add', path: '/spec/items/-', value: 3 },
        { op: 'remove', path: '/spec/items/0' },
      ]),
    ).toEqual({
      metadata: { annotations: { 'a/b': '2' } },
      spec: { items: [2, 3] },
    });
    expect(document.spec.items).toEqual([1, 2]);
  });

  it.each([
    [[{ op: 'test', path: '/spec/items/0', value: 9 }]],
    [[{ op: 'remove', path: '/spec/missing' }]],
    [[{ op: 'replace', path: '/metadata/labels/x', value: 'y' }]],
    [[{ op: 'explode', path: '/spec' }]],
  ])('answers an operation that cannot apply with 422: %j', patch => {
    expect(() => applyJsonPatch(document, patch)).toThrow(
      expect.objectContaining({
        status: expect.objectContaining({ code: 422, reason: 'Invalid' }),
      }),
    );
  });

  it('answers a body that is not a patch with 400', () => {
    expect(() => applyJsonPatch(document, { op: 'add' })).toThrow(
      ApiStatusError,
    );
    expect(() => applyJsonPatch(document, { op: 'add' })).toThrow(
      expect.objectContaining({
        status: expect.objectContaining({ code: 400 }),
      }),
    );
  });
});

describe('applyStrategicMergePatch', () => {
  const deployment = {
    spec: {
      template: {
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx:1',
              env: [
                { name: 'A', value: '1' },
                { name: 'B', value: '2' },
              ],
            },
            { name: 'sidecar', image: 'envoy:1' },
          ],
        },
      },
    },
    metadata: { finalizers: ['a'] },
  };

  it('merges lists by their merge keys and honours kubectl directives', () => {
    const patched = applyStrategicMergePatch(deployment, {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [
              { name: 'web' },
              { name: 'sidecar' },
            ],
            containers: [
              {
                '$setElementOrder/env': [{ name: 'B' }, { name: 'C' }],
                name: 'web',
                image: 'nginx:2',
                env: [
                  { name: 'C', value: '3' },
                  { name: 'A', $patch: 'delete' },
                ],
              },
            ],
          },
        },
      },
      metadata: { finalizers: ['b'] },
    }) as typeof deployment;
    expect(patched.spec.template.spec.containers).toEqual([
      {
        name: 'web',
        image: 'nginx:2',
        env: [
          { name: 'B', value: '2' },
          { name: 'C', value: '3' },
        ],
      },
      { name: 'sidecar', image: 'envoy:1' },
    ]);
    expect(patched.metadata.finalizers).toEqual(['a', 'b']);
  });

  it('supports $patch: replace, $retainKeys and $deleteFromPrimitiveList', () => {
    expect(
      applyStrategicMergePatch(
        {
          list: [{ name: 'a' }],
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } },
          finalizers: ['x', 'y'],
        },
        {
          list: [{ $patch: 'replace' }, { name: 'b' }],
          strategy: { $retainKeys: ['type'], type: 'Recreate' },
          '$deleteFromPrimitiveList/finalizers': ['x'],
        },
      ),
    ).toEqual({
      list: [{ name: 'b' }],
      strategy: { type: 'Recreate' },
      finalizers: ['y'],
    });
  });
});

describe('applyServerSideApply', () => {
  it('merges the applied configuration into the live object', () => {
    expect(
      applyServerSideApply(
        {
          metadata: { name: 'a', labels: { x: '1' } },
          spec: { a: 1, list: [1] },
        },
        { metadata: { labels: { y: '2' } }, spec: { list: [2] } },
      ),
    ).toEqual({
      metadata: { name: 'a', labels: { x: '1', y: '2' } },
      spec: { a: 1, list: [2] },
    });
  });
});
