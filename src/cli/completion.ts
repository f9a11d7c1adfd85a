import type { Command } from 'commander';

/** One command of the tree: its path from the root and what may follow it. */
interface CompletionNode {
  path: string[];
  subcommands: string[];
  options: string[];
}

function walk(command: Command, path: string[] = []): CompletionNode[] {
  const options = [...command.options.flatMap((o) => [o.long, o.short]), '--help'].filter(
    (o): o is string => typeof o === 'string',
  );
  const subcommands = command.commands.map((c) => c.name());
  return [{ path, subcommands, options }, ...command.commands.flatMap((c) => walk(c, [...path, c.name()]))];
}

export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/**
 * A completion script for the command tree as it is (commands, sub-commands and their flags), so it never
 * drifts from the CLI: `source <(capi completion bash)`; zsh loads the bash one through bashcompinit.
 */
export function completionScript(program: Command, shell: CompletionShell): string {
  const nodes = walk(program);
  switch (shell) {
    case 'bash':
      return bashScript(nodes);
    case 'zsh':
      return `#compdef capi\nautoload -U +X bashcompinit && bashcompinit\n${bashScript(nodes)}`;
    case 'fish':
      return fishScript(nodes);
  }
}

function bashScript(nodes: CompletionNode[]): string {
  const known = nodes.filter((n) => n.path.length > 0).map((n) => `"/${n.path.join('/')}"`);
  const cases = nodes.map(
    (n) =>
      `    "${n.path.length ? '/' + n.path.join('/') : ''}") words="${[...n.subcommands, ...n.options].join(' ')}" ;;`,
  );
  return `# capi shell completion (bash): source <(capi completion bash)
_capi() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" w i words=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ $w == -* ]] && continue
    case "$path/$w" in
      ${known.join('|')}) path="$path/$w" ;;
    esac
  done
  case "$path" in
${cases.join('\n')}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _capi capi
`;
}

function fishScript(nodes: CompletionNode[]): string {
  const lines = ['# capi shell completion (fish): capi completion fish | source'];
  lines.push(
    'function __capi_path; set -l p; for w in (commandline -opc)[2..]; string match -q -- "-*" $w; or set p $p $w; end; echo (string join / $p); end',
  );
  for (const node of nodes) {
    const cond = `test (__capi_path) = '${node.path.join('/')}'`;
    for (const sub of node.subcommands) lines.push(`complete -c capi -f -n "${cond}" -a ${sub}`);
    for (const opt of node.options.filter((o) => o.startsWith('--'))) {
      lines.push(`complete -c capi -n "${cond}" -l ${opt.slice(2)}`);
    }
  }
  return lines.join('\n') + '\n';
}
