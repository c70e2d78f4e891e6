import sharp from 'sharp';

/**
 * Shared pieces of the SVG figures. Plots are written as SVG (readable, diffable, fine in a
 * browser) and turned into PNG by sharp, whose librsvg finds fonts through fontconfig;
 * DejaVu Sans is what Debian installs, and the generic family covers other machines.
 */
export const FONT_FAMILY = "'DejaVu Sans', sans-serif";

/** Escapes text for SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/**
 * Rough width of a text line in DejaVu Sans (about 0.6 em per character), for laying out
 * legends and label columns without measuring glyphs.
 */
export function estimateTextWidth(text: string, fontSize: number): number {
  return Math.ceil(text.length * fontSize * 0.62);
}

export interface TextOptions {
  size?: number;
  anchor?: 'start' | 'middle' | 'end';
  weight?: 'normal' | 'bold';
  fill?: string;
  rotate?: number;
}

/** One line of text whose `y` is the visual middle of the line (librsvg's baseline handling varies, so we offset by hand). */
export function svgText(x: number, y: number, text: string, { size = 12, anchor = 'start', weight = 'normal', fill = '#222', rotate }: TextOptions = {}): string {
  const baseline = y + size * 0.35;
  const transform = rotate === undefined ? '' : ` transform="rotate(${rotate} ${fmt(x)} ${fmt(y)})"`;
  return (
    `<text x="${fmt(x)}" y="${fmt(baseline)}" font-family="${FONT_FAMILY}" font-size="${size}" ` +
    `font-weight="${weight}" text-anchor="${anchor}" fill="${fill}"${transform}>${escapeXml(text)}</text>`
  );
}

export function svgDocument(width: number, height: number, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
  ].join('\n');
}

/** Coordinates with two decimals keep SVG files small without visible rounding. */
export function fmt(v: number): string {
  return String(Math.round(v * 100) / 100);
}

export async function svgToPng(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** Places complete SVG documents side by side in one document (e.g. two scatter plots to compare). */
export function svgRow(documents: readonly string[]): string {
  let x = 0;
  let height = 0;
  const parts = documents.map((doc) => {
    const size = /<svg[^>]*\bwidth="(\d+(?:\.\d+)?)"[^>]*\bheight="(\d+(?:\.\d+)?)"/.exec(doc);
    if (!size) throw new Error('svgRow: each document needs numeric width and height on its root <svg>');
    const [w, h] = [Number(size[1]), Number(size[2])];
    const placed = doc.replace(/^\s*(<\?xml[^>]*>\s*)?<svg\b/, `<svg x="${x}" y="0"`);
    x += w;
    height = Math.max(height, h);
    return placed;
  });
  return svgDocument(x, height, parts);
}
