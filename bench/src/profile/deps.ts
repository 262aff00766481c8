// Dependency counts and native libraries, parsed from the tools' own output: `pnpm list --prod --depth Infinity
// --json`, `go list -m all`, `go version -m BINARY` and `ldd`. The parsers are pure so tests can feed them text.

export interface DependencyCounts {
  /** Declared by the implementation itself. */
  direct: number;
  /** Every distinct package/module reachable (direct ones included). */
  transitive: number;
  /** Go: modules actually linked into the binary (`go version -m`); absent for npm. */
  linked?: number;
  /** npm: workspace packages among them (linked, not downloaded). */
  workspace?: number;
  /** How the counts were taken. */
  source: string;
}

interface NpmNode {
  name?: string;
  version?: string;
  dependencies?: Record<string, NpmNode>;
}

/** `pnpm list --prod --depth Infinity --json` run in the package: its direct and transitive production deps. */
export function npmDependencies(json: string, pkg: string): DependencyCounts {
  const projects = JSON.parse(json) as NpmNode[];
  const root = projects.find((p) => p.name === pkg);
  if (!root) throw new Error(`pnpm list: no project ${pkg} in its output`);
  const seen = new Set<string>();
  let workspace = 0;
  const walk = (deps: Record<string, NpmNode> | undefined) => {
    for (const [name, d] of Object.entries(deps ?? {})) {
      const id = `${name}@${d.version ?? '?'}`;
      if (seen.has(id)) continue;
      seen.add(id);
      if (d.version?.startsWith('link:')) workspace++;
      walk(d.dependencies);
    }
  };
  walk(root.dependencies);
  return {
    direct: Object.keys(root.dependencies ?? {}).length,
    transitive: seen.size,
    workspace,
    source: '`pnpm list --prod --depth Infinity --json` (distinct name@version)',
  };
}

/** Lines of `go list -m -f '{{.Path}} {{.Indirect}} {{.Main}}' all`, and `go version -m BINARY` for the linked ones. */
export function goDependencies(listM: string, versionM: string): DependencyCounts {
  const mods = listM
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 3 && f[2] === 'false');
  return {
    direct: mods.filter((f) => f[1] === 'false').length,
    transitive: mods.length,
    linked: versionM.split('\n').filter((l) => /^\s*dep\s/.test(l)).length,
    source:
      '`go list -m all` (module graph, test-only modules included); linked: `go version -m` on the binary',
  };
}

/** Shared libraries from `ldd` output, without the kernel's vDSO and the dynamic loader; [] for a static binary. */
export function lddLibraries(text: string): Array<{ name: string; path: string }> {
  if (/not a dynamic executable|statically linked/.test(text)) return [];
  return text
    .split('\n')
    .map((l) => /^\s*(\S+)(?:\s+=>\s+(\S+))?\s+\(0x[0-9a-f]+\)/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: (m[1] ?? '').replace(/^.*\//, ''), path: m[2] ?? m[1] ?? '' }))
    .filter((l) => !/^linux-vdso|^ld-linux/.test(l.name));
}

/** glibc and the C/C++ runtime: there on every Linux host, so they are not something the service brings. */
export const isSystemLibrary = (name: string): boolean =>
  /^(libc|libm|libdl|libpthread|librt|libresolv|libgcc_s|libstdc\+\+|libatomic|libutil)\.so/.test(name);
