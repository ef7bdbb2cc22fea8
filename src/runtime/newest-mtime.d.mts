/** The newest modification time of any file or directory under `dir` (see newest-mtime.mjs). */
export function newestMtime(dir: string): number;
