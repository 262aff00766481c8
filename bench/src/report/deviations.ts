// Where targets of the run deviate from the contract, as @rtip/contract documents it (DEVIATIONS: the contract
// README's table and the conformance suite read the same list). Nothing here is typed in by the harness.

import { DEVIATION_RUNTIMES, DEVIATIONS } from '@rtip/contract';
import type { Section } from './document.js';
import type { Table } from './table.js';

/** The documented deviations of the named targets, in the contract's order. */
export function deviationsTable(names: readonly string[]): Table {
  return {
    title: '',
    header: ['target', 'contract point', 'what happens instead', 'doc / issue'],
    words: true,
    rows: DEVIATIONS.filter((d) => names.includes(d.target)).map((d) => ({
      label: d.target,
      cells: [d.point, d.instead, d.links.length ? d.links.join(' ') : 'none found'],
      ratios: [],
    })),
  };
}

export function deviationsSection(names: readonly string[]): Section {
  const table = deviationsTable(names);
  const which = [...new Set(table.rows.map((r) => r.label))];
  const observed = which
    .map((t) => DEVIATION_RUNTIMES[t as keyof typeof DEVIATION_RUNTIMES])
    .filter(Boolean)
    .join(', ');
  const blocks: Section['blocks'] = table.rows.length
    ? [
        {
          kind: 'text',
          text: `Where ${which.join(' and ')} cannot do what the contract asks, as \`DEVIATIONS\` of @rtip/contract documents it (observed on ${observed}; the conformance suite asserts each). They concern requests this benchmark does not send (malformed or slow heads, \`Expect: 100-continue\`, \`OPTIONS *\`) and answers given before the request body is read (a shed benchmark request is answered after its body is read).`,
        },
        { kind: 'table', table },
      ]
    : [
        {
          kind: 'text',
          text: `None documented for ${names.join(', ')} (\`DEVIATIONS\` of @rtip/contract).`,
        },
      ];
  return { id: 'deviations', title: 'Deviations from the contract', level: 2, blocks };
}
