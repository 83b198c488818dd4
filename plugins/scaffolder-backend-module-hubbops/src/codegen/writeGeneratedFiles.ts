import { LoggerService } from '@backstage/backend-plugin-api';
import { GeneratedFileWriter } from './GeneratedFileWriter';
import { GeneratedFile } from './ServiceTypeHandler';

/**
 * The last step of a codegen action: writes the files (or, in a dry run,
 * only says what it would write), logs each file written and a summary, and
 * returns the paths it changed, for the action's `changed` output.
 */
export async function writeGeneratedFiles(options: {
  writer: GeneratedFileWriter;
  files: GeneratedFile[];
  dryRun: boolean;
  logger: LoggerService;
  /** What the action did to make the files, for the summary: `generated`. */
  made: string;
}): Promise<string[]> {
  const { writer, files, logger } = options;
  if (options.dryRun) {
    for (const file of files) {
      logger.info(`dry run: would write ${writer.relative}/${file.path}`);
    }
    logger.info('dry run: nothing was written');
    return [];
  }
  const result = await writer.write(files);
  for (const file of result.changed) {
    logger.info(`wrote ${writer.relative}/${file}`);
  }
  logger.info(
    result.changed.length
      ? `${options.made} ${files.length} files, ${result.changed.length} written, ${result.unchanged.length} already up to date`
      : `all ${files.length} files were already up to date; nothing changed`,
  );
  return result.changed;
}
