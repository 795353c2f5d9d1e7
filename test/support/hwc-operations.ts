import { readFileSync, readdirSync } from 'node:fs';
import ts from 'typescript';

const HWC_DIR = new URL('../../shared/hwc/', import.meta.url);

/** Public methods of the `…Api` classes in shared/hwc, by class, parsed from their source. */
export function apiOperations(): Map<string, string[]> {
  const classes = new Map<string, string[]>();
  for (const file of readdirSync(HWC_DIR).filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))) {
    const source = ts.createSourceFile(file, readFileSync(new URL(file, HWC_DIR), 'utf8'), ts.ScriptTarget.Latest);
    for (const statement of source.statements) {
      if (!ts.isClassDeclaration(statement) || !statement.name || !statement.name.text.endsWith('Api')) continue;
      const hidden = ts.ModifierFlags.Private | ts.ModifierFlags.Protected;
      const methods = statement.members
        .filter((member) => ts.isMethodDeclaration(member) && !(ts.getCombinedModifierFlags(member) & hidden))
        .map((member) => (member.name as ts.Identifier).text);
      classes.set(statement.name.text, methods);
    }
  }
  return classes;
}
