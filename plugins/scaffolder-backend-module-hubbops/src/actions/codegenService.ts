import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { createHash } from 'node:crypto';
import { z as zod } from 'zod/v3';
import { catalogInfoFile } from '../codegen/catalogInfoFile';
import { dnsLabel } from '../codegen/dnsLabel';
import { GeneratedFileWriter } from '../codegen/GeneratedFileWriter';
import { writeGeneratedFiles } from '../codegen/writeGeneratedFiles';
import { parseActionInput } from '../codegen/parseActionInput';
import { GeneratedFile } from '../codegen/ServiceTypeHandler';
import { ServiceTypeRegistry } from '../codegen/ServiceTypeRegistry';

export const CODEGEN_SERVICE_ACTION_ID = 'hubbops:codegen:service';

const ENTITY_REF =
  /^([a-z][a-z0-9-]*:)?([a-z0-9][a-z0-9._-]*\/)?[a-z0-9A-Z][a-zA-Z0-9._-]*$/;

function entityRef(
  z: typeof zod,
  input: string,
  description: string,
  examples: string,
) {
  return z.string({ description }).superRefine((value, ctx) => {
    if (!ENTITY_REF.test(value)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `${input} '${value}' must be an entity ref such as ${examples}`,
      });
    }
  });
}

const inputSchema = {
  type: (z: typeof zod) =>
    z
      .string({
        description:
          'The service type: `node`, `python`, `go`, or one added through `hubbopsServiceTypesExtensionPoint`.',
      })
      .min(1),
  name: (z: typeof zod) =>
    dnsLabel(
      z,
      'name',
      'The service name, a DNS label (lowercase letters, digits, `-`; at most 63), e.g. `shop-api`.',
    ),
  owner: (z: typeof zod) =>
    entityRef(
      z,
      'owner',
      'Entity ref of the owner, e.g. `group:default/team-a`.',
      "'group:default/team-a' or 'team-a'",
    ),
  description: (z: typeof zod) =>
    z
      .string({ description: 'One line describing the service.' })
      .max(500)
      .optional(),
  system: (z: typeof zod) =>
    entityRef(
      z,
      'system',
      'The system the service belongs to, e.g. `shop`.',
      "'shop' or 'system:default/shop'",
    ).optional(),
  port: (z: typeof zod) =>
    z
      .number({
        description:
          'The port the service listens on, 1024-65535 (unprivileged, as the image runs as non-root). Default `8080`.',
      })
      .int('port must be a whole number')
      .min(1024, 'port must be 1024 or more: the service runs as non-root')
      .max(65535, 'port must be at most 65535')
      .default(8080),
  targetPath: (z: typeof zod) =>
    z
      .string({
        description:
          'The workspace directory to generate into, e.g. `.` or `service`. Default `.`.',
      })
      .min(1)
      .default('.'),
  baseImage: (z: typeof zod) =>
    z
      .string({
        description:
          'The image the Containerfile builds FROM, e.g. `docker.io/library/node:22-slim`. Default: `hubbops.codegen.<type>.baseImage`, else the type’s own default.',
      })
      .min(1)
      .optional(),
  options: (z: typeof zod) =>
    z
      .record(z.unknown(), {
        description:
          'Extra inputs of the service type, checked by its handler, e.g. `{ runtimeImage: gcr.io/distroless/static-debian12:nonroot }` for `go`.',
      })
      .optional(),
};

const outputSchema = {
  path: (z: typeof zod) =>
    z.string({
      description: 'The generated directory, relative to the workspace.',
    }),
  files: (z: typeof zod) =>
    z.array(z.string(), {
      description: 'Every generated file, relative to `path`.',
    }),
  containerfile: (z: typeof zod) =>
    z.string({
      description:
        'The Containerfile, relative to `path` (give it with `contextPath: path` to hubbops:image:build).',
    }),
  healthPath: (z: typeof zod) =>
    z.string({
      description: 'The HTTP path answering 200 while the service is healthy.',
    }),
  changed: (z: typeof zod) =>
    z.array(z.string(), {
      description:
        'The files this run wrote because their content differed; empty when re-run with the same inputs.',
    }),
};

const inputParser = zod.object(
  Object.fromEntries(
    Object.entries(inputSchema).map(([key, field]) => [key, field(zod)]),
  ) as { [K in keyof typeof inputSchema]: ReturnType<(typeof inputSchema)[K]> },
);

const HEALTH_PATH = '/healthz';

/**
 * Creates the `hubbops:codegen:service` action: writes a service's code, test,
 * Containerfile and catalog-info.yaml, for a service type from `serviceTypes`.
 */
export function createCodegenServiceAction(options: {
  config: Config;
  serviceTypes: ServiceTypeRegistry;
}) {
  const { config, serviceTypes } = options;
  return createTemplateAction({
    id: CODEGEN_SERVICE_ACTION_ID,
    description:
      'Generates the code of a service (node, python, go or an added type): app, test, Containerfile and catalog-info.yaml',
    supportsDryRun: true,
    examples: [
      {
        description: 'Generate a Node.js service at the workspace root',
        example: [
          'steps:',
          '  - id: code',
          '    action: hubbops:codegen:service',
          '    input:',
          '      type: node',
          '      name: ${{ parameters.name }}',
          '      owner: ${{ parameters.owner }}',
          '      port: 8080',
        ].join('\n'),
      },
      {
        description: 'Generate a Go service into a sub-directory',
        example: [
          'steps:',
          '  - id: code',
          '    action: hubbops:codegen:service',
          '    input:',
          '      type: go',
          '      name: inventory',
          '      owner: group:default/team-a',
          '      system: shop',
          '      targetPath: service',
          '      options:',
          '        modulePath: github.com/acme/inventory',
        ].join('\n'),
      },
    ],
    schema: { input: inputSchema, output: outputSchema },
    async handler(ctx) {
      ctx.signal?.throwIfAborted();
      const input = parseActionInput(
        inputParser,
        ctx.input,
        `input of ${CODEGEN_SERVICE_ACTION_ID}`,
      );
      const handler = serviceTypes.get(input.type);
      const typeOptions = parseActionInput(
        handler.inputSchema,
        input.options ?? undefined,
        `options for service type '${handler.type}'`,
      );
      const baseImage =
        input.baseImage ??
        config.getOptionalString(`hubbops.codegen.${handler.type}.baseImage`) ??
        handler.defaultBaseImage;

      const writer = await GeneratedFileWriter.open({
        workspacePath: ctx.workspacePath,
        targetPath: input.targetPath,
        signal: ctx.signal,
      });
      const containerfile = handler.containerfile ?? 'Containerfile';

      const serviceInputs = {
        name: input.name,
        owner: input.owner,
        description: input.description,
        system: input.system,
        port: input.port,
        healthPath: HEALTH_PATH,
        baseImage,
        options: typeOptions,
      };
      ctx.logger.info(
        `generating a ${handler.description} '${input.name}' in ${writer.relative} (port ${input.port}, FROM ${baseImage})`,
      );
      const generate = async (): Promise<GeneratedFile[]> => {
        const generated = await handler.generate({ ...serviceInputs });
        return [
          ...generated.filter(file => file.path !== 'catalog-info.yaml'),
          catalogInfoFile({ type: handler.type, ...serviceInputs }),
        ];
      };
      // A retried task writes what its first attempt generated, even if a
      // handler or the configured base image changed in between: the key
      // holds the inputs only.
      const files = ctx.isDryRun
        ? await generate()
        : await ctx.checkpoint<GeneratedFile[]>({
            key: `codegen-service-${createHash('sha256')
              .update(JSON.stringify({ input, target: writer.relative }))
              .digest('hex')}`,
            fn: generate,
          });
      if (!files.some(file => file.path === containerfile)) {
        throw new InputError(
          `service type '${handler.type}' generated no ${containerfile}; its handler must generate one`,
        );
      }
      files.forEach(file => writer.resolve(file));

      ctx.output('path', writer.relative);
      ctx.output(
        'files',
        files.map(file => file.path),
      );
      ctx.output('containerfile', containerfile);
      ctx.output('healthPath', HEALTH_PATH);
      ctx.output(
        'changed',
        await writeGeneratedFiles({
          writer,
          files,
          dryRun: ctx.isDryRun === true,
          logger: ctx.logger,
          made: 'generated',
        }),
      );
    },
  });
}
