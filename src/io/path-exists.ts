import { access } from 'node:fs/promises';

/** Whether anything (file or directory) is at `file`; callers use it to refuse overwriting one. */
export async function pathExists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
