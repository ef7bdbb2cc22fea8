import { useMemo } from 'react';
import { QUIET_ZONE, qrCodePath } from './qr-code-path';

/**
 * A QR code of `text` drawn as SVG in the page (nothing is sent anywhere to make it), dark on white with its
 * quiet zone so a phone camera reads it on a dark screen too. `label` names it for screen readers.
 * @example <QrCode text={enrollment.otpauthUri} label="QR code of the setup link" />
 */
export function QrCode({ text, label }: { text: string; label: string }) {
  const { size, d } = useMemo(() => qrCodePath(text), [text]);
  const full = size + 2 * QUIET_ZONE;
  return (
    <svg className="qr-code" role="img" aria-label={label} viewBox={`${-QUIET_ZONE} ${-QUIET_ZONE} ${full} ${full}`} shapeRendering="crispEdges" data-testid="qr-code">
      <rect x={-QUIET_ZONE} y={-QUIET_ZONE} width={full} height={full} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}
