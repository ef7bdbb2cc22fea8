import { create } from 'qrcode';

/** The quiet zone around a QR code, in modules (ISO/IEC 18004 asks for 4). */
export const QUIET_ZONE = 4;

/**
 * The QR code of `text` (error correction M) as one SVG path of its dark modules, one unit per module, each
 * row's runs of dark modules merged into one rectangle; `size` is the width in modules without the quiet zone.
 * Pure and computed where it runs (the browser), so the text never leaves the page.
 * @example qrCodePath('otpauth://totp/Sluice:ada?secret=…') // { size: 45, d: 'M0 0h7v1h-7z M8 0h1v1h-1z …' }
 */
export function qrCodePath(text: string): { size: number; d: string } {
  const { modules } = create(text, { errorCorrectionLevel: 'M' });
  const { size, data } = modules;
  const runs: string[] = [];
  for (let row = 0; row < size; row++) {
    let col = 0;
    while (col < size) {
      if (!data[row * size + col]) {
        col++;
        continue;
      }
      const start = col;
      while (col < size && data[row * size + col]) col++;
      runs.push(`M${start} ${row}h${col - start}v1h-${col - start}z`);
    }
  }
  return { size, d: runs.join(' ') };
}
