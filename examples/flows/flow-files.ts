/**
 * The example flow files, read with their services' base URL filled in.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The example flows: their file names and the names inside them. */
export const FLOW_FILES = {
  publishToAcme: { file: 'publish-to-acme.yaml', name: 'Publish to Acme API' },
  marketingLead: { file: 'marketing-lead.yaml', name: 'Marketing lead' },
} as const;

/**
 * Reads a flow file of this folder and replaces every `${BASE_URL}` in it with `baseUrl`. A flow
 * definition is static data with no variables: the example templates the text before saving it,
 * so the same files run against fake services on any port. Real flows name their real URLs.
 *
 * @returns the YAML text and the path to name in error messages
 */
export function flowSource(file: string, baseUrl: string): { text: string; fileName: string } {
  const path = fileURLToPath(new URL(file, import.meta.url));
  const text = readFileSync(path, 'utf8').replaceAll('${BASE_URL}', baseUrl);
  return { text, fileName: path };
}
