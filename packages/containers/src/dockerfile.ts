// A small Dockerfile reader: instructions, stages, COPY sources and the final user, enough to check our files.

export interface Instruction {
  /** Upper-case keyword: FROM, COPY, RUN, ... */
  keyword: string;
  /** The rest of the instruction, continuation lines joined. */
  args: string;
  /** 1-based line of the keyword. */
  line: number;
}

export interface Stage {
  /** Image or earlier stage it starts from. */
  from: string;
  /** `AS name`, if any. */
  name: string | undefined;
  instructions: Instruction[];
}

export interface CopySource {
  /** Path relative to the build context, as written. */
  path: string;
  line: number;
}

/** Splits a Dockerfile into instructions: comments dropped, `\` continuations joined (comment lines inside too). */
export function parseInstructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let current: { parts: string[]; line: number } | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const trimmed = raw.trim();
    if (current === undefined && (trimmed === '' || trimmed.startsWith('#'))) return;
    // Docker removes comment lines inside a continued instruction before joining.
    if (current !== undefined && trimmed.startsWith('#')) return;
    const continued = trimmed.endsWith('\\');
    const body = continued ? trimmed.slice(0, -1).trim() : trimmed;
    if (current === undefined) current = { parts: [], line: index + 1 };
    if (body !== '') current.parts.push(body);
    if (!continued) {
      const joined = current.parts.join(' ');
      const match = /^(\S+)\s*(.*)$/s.exec(joined);
      if (match?.[1] !== undefined) {
        out.push({ keyword: match[1].toUpperCase(), args: match[2] ?? '', line: current.line });
      }
      current = undefined;
    }
  });
  if (current !== undefined)
    throw new Error(`line ${current.line}: the file ends inside a continued instruction`);
  return out;
}

export function parseStages(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of parseInstructions(text)) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const from = words[0] ?? '';
      const asIndex = words.findIndex((w) => w.toUpperCase() === 'AS');
      stages.push({ from, name: asIndex >= 0 ? words[asIndex + 1] : undefined, instructions: [] });
    } else {
      const stage = stages.at(-1);
      // ARG before the first FROM is legal; anything else is not.
      if (stage === undefined) {
        if (instruction.keyword !== 'ARG')
          throw new Error(`line ${instruction.line}: ${instruction.keyword} before FROM`);
        continue;
      }
      stage.instructions.push(instruction);
    }
  }
  return stages;
}

/** Arguments of a COPY/ADD/ENTRYPOINT...: the JSON form `["a", "b"]` or whitespace-separated words. */
export function splitArgs(args: string): string[] {
  const trimmed = args.trim();
  if (trimmed.startsWith('[')) {
    const parsed: unknown = JSON.parse(trimmed);
    if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'string')) {
      throw new Error(`not a JSON array of strings: ${trimmed}`);
    }
    return parsed;
  }
  return trimmed.split(/\s+/).filter((w) => w !== '');
}

/** The context path a `RUN --mount=…` flag binds (type bind, not `from=` a stage or image), if any. */
export function bindMountSource(flag: string): string | undefined {
  if (!flag.startsWith('--mount=')) return undefined;
  const options = new Map(
    flag
      .slice('--mount='.length)
      .split(',')
      .map((kv) => {
        const eq = kv.indexOf('=');
        return eq < 0 ? ([kv, ''] as const) : ([kv.slice(0, eq), kv.slice(eq + 1)] as const);
      }),
  );
  if ((options.get('type') ?? 'bind') !== 'bind' || options.has('from')) return undefined;
  return options.get('source') ?? options.get('src');
}

/**
 * Sources of every COPY/ADD that reads the build context (not `--from=` another stage or image), and of every
 * `RUN --mount=type=bind` of the context.
 */
export function contextCopySources(stages: Stage[]): CopySource[] {
  const sources: CopySource[] = [];
  for (const stage of stages) {
    for (const instruction of stage.instructions) {
      if (instruction.keyword === 'RUN') {
        for (const word of instruction.args.trim().split(/\s+/)) {
          if (!word.startsWith('--')) break;
          const path = bindMountSource(word);
          if (path !== undefined) sources.push({ path, line: instruction.line });
        }
        continue;
      }
      if (instruction.keyword !== 'COPY' && instruction.keyword !== 'ADD') continue;
      const words = splitArgs(instruction.args);
      const flags = words.filter((w) => w.startsWith('--'));
      if (flags.some((f) => f.startsWith('--from='))) continue;
      const operands = words.filter((w) => !w.startsWith('--'));
      // The last operand is the destination.
      for (const path of operands.slice(0, -1)) {
        if (/^(https?|git):\/\//.test(path) || path.startsWith('git@')) continue;
        sources.push({ path, line: instruction.line });
      }
    }
  }
  return sources;
}

/** The user the final stage runs as: its last USER, else an earlier stage's when it builds on one. */
export function finalUser(stages: Stage[]): string | undefined {
  const byName = new Map(stages.filter((s) => s.name !== undefined).map((s) => [s.name, s]));
  let stage = stages.at(-1);
  const seen = new Set<Stage>();
  while (stage !== undefined && !seen.has(stage)) {
    seen.add(stage);
    const user = stage.instructions.filter((i) => i.keyword === 'USER').at(-1);
    if (user !== undefined) return user.args.trim();
    stage = byName.get(stage.from);
  }
  return undefined;
}

/** True for root by name or uid, with or without a group. */
export function isRootUser(user: string): boolean {
  const name = user.split(':')[0]?.trim() ?? '';
  return name === '' || name === 'root' || /^0+$/.test(name);
}

/** ENV of one stage as a map (both `ENV A=1 B=2` and the legacy `ENV A 1`). */
export function stageEnv(stage: Stage): Map<string, string> {
  const env = new Map<string, string>();
  for (const instruction of stage.instructions) {
    if (instruction.keyword !== 'ENV') continue;
    const args = instruction.args.trim();
    if (!/^[^\s=]+=/.test(args)) {
      const [name, ...rest] = args.split(/\s+/);
      if (name !== undefined) env.set(name, rest.join(' '));
      continue;
    }
    for (const match of args.matchAll(/([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
      const [, name, value = ''] = match;
      if (name !== undefined) env.set(name, value.replace(/^"(.*)"$/s, '$1'));
    }
  }
  return env;
}

/** The exec-form command of an instruction (`["a", "b"]`); a shell-form one as `['/bin/sh', '-c', text]`. */
function commandOf(args: string): string[] {
  const trimmed = args.trim();
  return trimmed.startsWith('[') ? splitArgs(trimmed) : ['/bin/sh', '-c', trimmed];
}

/** The command of the stage's last HEALTHCHECK (its options dropped); undefined for none or `NONE`. */
export function healthcheckCommand(stage: Stage): string[] | undefined {
  const last = stage.instructions.filter((i) => i.keyword === 'HEALTHCHECK').at(-1);
  const match = /^(?:--\S+\s+)*CMD\s+(.*)$/is.exec(last?.args.trim() ?? '');
  return match?.[1] === undefined ? undefined : commandOf(match[1]);
}

/** The stage's last CMD, as a command; undefined when it sets none. */
export function stageCmd(stage: Stage): string[] | undefined {
  const last = stage.instructions.filter((i) => i.keyword === 'CMD').at(-1);
  return last === undefined ? undefined : commandOf(last.args);
}
