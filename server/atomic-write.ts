import { promises as fs } from 'node:fs';

/**
 * Writes `file` whole or not at all: the data goes to a temp file beside it (same filesystem, so
 * the rename is atomic), which is removed if anything fails. A crash or a cancelled run never
 * leaves half a report or half a cached result behind.
 */
export async function writeAtomically(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}
