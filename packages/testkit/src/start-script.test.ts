// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are shell, not template placeholders
import { describe, expect, it } from 'vitest';
import { startScriptDefaults } from './start-script.js';

describe('startScriptDefaults', () => {
  it('reads `export NAME="${NAME:-value}"` lines, in order, and nothing else', () => {
    const script = [
      '#!/bin/sh',
      '# export COMMENTED="${COMMENTED:-1}"',
      'export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"',
      'export MISMATCH="${OTHER:-3}"',
      'export PLAIN=4',
      'export EMPTY="${EMPTY:-}"',
      'exec "${NODE:-node}" main.cjs',
    ].join('\n');
    expect([...startScriptDefaults(script)]).toEqual([
      ['MALLOC_ARENA_MAX', '2'],
      ['EMPTY', ''],
    ]);
  });
});
