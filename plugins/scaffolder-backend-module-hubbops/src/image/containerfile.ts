import { InputError } from '@backstage/errors';
import * as path from 'node:path';
import { ImageConfigChanges } from './layers';

/** One instruction of a Containerfile, continuation lines joined. */
export interface ContainerfileInstruction {
  /** Upper-cased: `FROM`, `RUN`, ... */
  keyword: string;
  /** Everything after the keyword, trimmed. */
  args: string;
  /** 1-based line the instruction starts on. */
  line: number;
}

/** A parsed Containerfile. */
export interface ParsedContainerfile {
  instructions: ContainerfileInstruction[];
  /** The `# escape=` parser directive, when it is not the default `\`. */
  escape?: string;
  /** Whether an instruction uses a heredoc (`<<EOF`). */
  heredoc: boolean;
}

const KNOWN_INSTRUCTIONS = new Set([
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
]);

/** The instructions the `layers` builder can carry out. */
export const LAYERS_INSTRUCTIONS = [
  'FROM',
  'COPY',
  'WORKDIR',
  'ENV',
  'EXPOSE',
  'CMD',
  'ENTRYPOINT',
  'USER',
  'LABEL',
] as const;

/** `<<EOF`, `<<-EOF`, `<<"EOF"`: a heredoc and its delimiter. */
const HEREDOC = /<<(-?)(["']?)([A-Za-z_][\w]*)\2/g;

function toInstruction(
  text: string,
  line: number,
  name: string,
): ContainerfileInstruction {
  const match = /^(\S+)\s*(.*)$/s.exec(text)!;
  const keyword = match[1].toUpperCase();
  if (!KNOWN_INSTRUCTIONS.has(keyword)) {
    throw new InputError(
      `${name} line ${line}: unknown instruction "${match[1]}"`,
    );
  }
  return { keyword, args: match[2].trim(), line };
}

/**
 * Parses a Containerfile / Dockerfile into instructions: comments and blank
 * lines dropped, `\` continuations joined. Throws an InputError naming the
 * file and line for unknown instructions, and when there is no FROM or an
 * instruction other than ARG comes before the first FROM.
 */
export function parseContainerfile(
  text: string,
  name = 'Containerfile',
): ParsedContainerfile {
  const lines = text.split(/\r?\n/);
  let escape = '\\';
  let escapeDirective: string | undefined;
  // Parser directives: `# key=value` lines at the very top.
  for (const line of lines) {
    const directive = /^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$/.exec(line);
    if (!directive) break;
    if (directive[1].toLowerCase() === 'escape') {
      escape = directive[2];
      escapeDirective = escape === '\\' ? undefined : escape;
    }
  }

  const instructions: ContainerfileInstruction[] = [];
  let current: { text: string; line: number } | undefined;
  // Heredoc bodies still to skip: their delimiters, and whether tabs go.
  const heredocs: Array<{ delimiter: string; stripTabs: boolean }> = [];
  const push = (joined: string, line: number) => {
    instructions.push(toInstruction(joined, line, name));
    for (const match of joined.matchAll(HEREDOC)) {
      heredocs.push({ delimiter: match[3], stripTabs: match[1] === '-' });
    }
  };
  lines.forEach((raw, index) => {
    if (heredocs.length) {
      const { delimiter, stripTabs } = heredocs[0];
      if ((stripTabs ? raw.replace(/^\t+/, '') : raw) === delimiter) {
        heredocs.shift();
      }
      return;
    }
    const line = raw.trimEnd();
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) return; // comments, also inside continuations
    if (!current && !trimmed) return;
    const continued = line.endsWith(escape);
    const content = continued ? line.slice(0, -escape.length) : line;
    if (current) current.text += ` ${content.trim()}`;
    else current = { text: content.trim(), line: index + 1 };
    if (!continued) {
      if (current.text) push(current.text, current.line);
      current = undefined;
    }
  });
  if (current?.text) push(current.text, current.line);

  const firstFrom = instructions.findIndex(i => i.keyword === 'FROM');
  if (firstFrom < 0) {
    throw new InputError(`${name} has no FROM instruction`);
  }
  const early = instructions.slice(0, firstFrom).find(i => i.keyword !== 'ARG');
  if (early) {
    throw new InputError(
      `${name} line ${early.line}: ${early.keyword} comes before the first FROM; only ARG may`,
    );
  }
  return {
    instructions,
    escape: escapeDirective,
    heredoc: instructions.some(i => new RegExp(HEREDOC.source).test(i.args)),
  };
}

/** The images the FROM instructions pull (not `scratch`, not earlier stages). */
export function baseImagesOf(parsed: ParsedContainerfile): string[] {
  const stages = new Set<string>();
  const images: string[] = [];
  for (const instruction of parsed.instructions) {
    if (instruction.keyword !== 'FROM') continue;
    const words = instruction.args
      .split(/\s+/)
      .filter(word => !word.startsWith('--'));
    const [image, as, alias] = words;
    if (image && image !== 'scratch' && !stages.has(image.toLowerCase())) {
      images.push(image);
    }
    if (as?.toLowerCase() === 'as' && alias) stages.add(alias.toLowerCase());
  }
  return images;
}

/**
 * Splits shell-like words: whitespace separates, single and double quotes
 * group, backslash escapes the next character (outside single quotes).
 */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === '\\' && quote === '"' && i + 1 < text.length) {
        word += text[++i];
      } else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (char === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote) throw new Error('unterminated quote');
  if (inWord) words.push(word);
  return words;
}

/** `KEY=value KEY2="v 2"`, or the legacy `KEY value with spaces`. */
function parseKeyValues(args: string): Array<[string, string]> {
  const words = splitWords(args);
  if (words.length && !words[0].includes('=')) {
    const legacy = /^(\S+)\s+(.*)$/s.exec(args);
    if (!legacy) throw new Error('a value is missing');
    return [[legacy[1], splitWords(legacy[2]).join(' ')]];
  }
  return words.map(word => {
    const eq = word.indexOf('=');
    if (eq <= 0) throw new Error(`"${word}" is not KEY=value`);
    return [word.slice(0, eq), word.slice(eq + 1)];
  });
}

/** Exec form `["a", "b"]` as is; shell form through `/bin/sh -c`. */
function parseCommand(args: string): string[] {
  if (args.startsWith('[')) {
    try {
      const parsed = JSON.parse(args);
      if (
        Array.isArray(parsed) &&
        parsed.every(item => typeof item === 'string')
      ) {
        return parsed;
      }
    } catch {
      // Docker treats malformed JSON as shell form, and so do we.
    }
  }
  return ['/bin/sh', '-c', args];
}

/** How the `layers` builder carries out a layers-compatible Containerfile. */
export interface LayersPlan {
  baseImage: string;
  /** The COPY source, relative to the build context (posix, no `..`). */
  copySource: string;
  /** Absolute directory in the image. */
  destination: string;
  owner?: { uid: number; gid: number };
  config: ImageConfigChanges;
}

/** The result of {@link planLayersBuild}. */
export type LayersCompatibility =
  | { compatible: true; plan: LayersPlan }
  | { compatible: false; reason: string };

/**
 * Decides whether the `layers` builder can build a Containerfile, and how.
 *
 * The rule: exactly one FROM naming a registry image (no flags, not
 * `scratch`), exactly one `COPY <directory> <destination>` (optionally
 * `--chown=<uid>:<gid>` with numeric ids), and otherwise only WORKDIR, ENV,
 * EXPOSE, CMD, ENTRYPOINT, USER and LABEL; no `$` variable references outside
 * CMD/ENTRYPOINT, no heredocs, no `# escape=` directive. Anything else (RUN,
 * ADD, ARG, multi-stage, ...) needs a real builder. Whether the COPY source
 * is a directory is checked by the caller.
 */
export function planLayersBuild(
  parsed: ParsedContainerfile,
  name = 'Containerfile',
): LayersCompatibility {
  const no = (reason: string): LayersCompatibility => ({
    compatible: false,
    reason: `${name} ${reason}`,
  });
  if (parsed.escape) return no('sets an # escape= parser directive');
  if (parsed.heredoc) return no('uses a heredoc');

  let baseImage: string | undefined;
  let copy:
    | Pick<LayersPlan, 'copySource' | 'destination' | 'owner'>
    | undefined;
  let workdir = '/';
  const config: ImageConfigChanges = {};

  for (const { keyword, args, line } of parsed.instructions) {
    const at = `line ${line}: ${keyword}`;
    if (!(LAYERS_INSTRUCTIONS as readonly string[]).includes(keyword)) {
      return no(
        `has ${keyword} (line ${line}); the layers builder only handles ${LAYERS_INSTRUCTIONS.join(
          ', ',
        )}`,
      );
    }
    if (keyword !== 'CMD' && keyword !== 'ENTRYPOINT' && args.includes('$')) {
      return no(`${at} refers to a variable ($)`);
    }
    try {
      switch (keyword) {
        case 'FROM': {
          if (baseImage) return no(`${at}: more than one FROM (multi-stage)`);
          const words = splitWords(args);
          if (words.some(word => word.startsWith('--'))) {
            return no(`${at} has flags`);
          }
          if (
            !(
              words.length === 1 ||
              (words.length === 3 && words[1].toLowerCase() === 'as')
            )
          ) {
            return no(`${at} is not "FROM <image> [AS <name>]"`);
          }
          if (words[0] === 'scratch') {
            return no(
              `${at} scratch; the layers builder extends an image from a registry`,
            );
          }
          baseImage = words[0];
          break;
        }
        case 'COPY': {
          if (copy) return no(`${at}: more than one COPY`);
          const words = splitWords(args);
          let owner: LayersPlan['owner'];
          while (words[0]?.startsWith('--')) {
            const flag = words.shift()!;
            const chown = /^--chown=(\d+):(\d+)$/.exec(flag);
            if (!chown) {
              return no(
                `${at} has ${
                  flag.split('=')[0]
                }; only --chown=<uid>:<gid> with numeric ids is supported`,
              );
            }
            owner = { uid: Number(chown[1]), gid: Number(chown[2]) };
          }
          if (words.length !== 2) {
            return no(`${at} must copy exactly one source directory`);
          }
          const source = path.posix.normalize(
            words[0].replace(/^\/+/, '') || '.',
          );
          if (source === '..' || source.startsWith('../')) {
            return no(`${at} copies from outside the build context`);
          }
          if (/[*?[]/.test(source)) {
            return no(`${at} uses a wildcard`);
          }
          copy = {
            copySource: source.replace(/\/+$/, '') || '.',
            destination: path.posix.resolve(workdir, words[1]),
            owner,
          };
          break;
        }
        case 'WORKDIR':
          workdir = path.posix.resolve(workdir, splitWords(args).join(' '));
          config.workingDir = workdir;
          break;
        case 'ENV':
          config.env = {
            ...config.env,
            ...Object.fromEntries(parseKeyValues(args)),
          };
          break;
        case 'LABEL':
          config.labels = {
            ...config.labels,
            ...Object.fromEntries(parseKeyValues(args)),
          };
          break;
        case 'EXPOSE':
          config.exposedPorts = [
            ...(config.exposedPorts ?? []),
            ...splitWords(args),
          ];
          break;
        case 'CMD':
          config.cmd = parseCommand(args);
          break;
        case 'ENTRYPOINT':
          config.entrypoint = parseCommand(args);
          break;
        case 'USER':
          config.user = splitWords(args).join(' ');
          break;
        default:
          break;
      }
    } catch (error) {
      return no(`${at} cannot be parsed: ${(error as Error).message}`);
    }
  }
  if (!copy) {
    return no('has no COPY; the layers builder adds exactly one directory');
  }
  return {
    compatible: true,
    plan: { baseImage: baseImage!, ...copy, config },
  };
}

/**
 * Reads a `.containerignore` / `.dockerignore` for the layers builder, which
 * can only leave out plain paths. Returns the paths relative to `sourceDir`
 * (relative to the context, posix) that lie inside it, or a reason when a
 * pattern uses wildcards or exceptions.
 */
export function plainIgnorePaths(
  text: string,
  sourceDir: string,
  name: string,
): { paths: string[] } | { reason: string } {
  const paths: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (/[*?[\]!]/.test(line)) {
      return {
        reason: `${name} has the pattern "${line}"; the layers builder only honours plain paths`,
      };
    }
    const normalized = path.posix
      .normalize(line.replace(/^\/+/, ''))
      .replace(/\/+$/, '');
    if (normalized === '.' || normalized.startsWith('..')) continue;
    if (sourceDir === '.') paths.push(normalized);
    else if (normalized === sourceDir) {
      return { reason: `${name} excludes the COPY source ${sourceDir}` };
    } else if (normalized.startsWith(`${sourceDir}/`)) {
      paths.push(normalized.slice(sourceDir.length + 1));
    }
  }
  return { paths };
}
