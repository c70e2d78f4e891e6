/**
 * The relative file name of a per-image output (a heat map, a predicted mask) for an image
 * named by ImageSet.paths: 'test/scratch/003.png' -> 'test/scratch/003.png', a volume slice
 * 'brain.nii.gz#axial/071' -> 'brain.nii.gz/axial/071.png'. Folders mirror the input's, so
 * outputs join back to their images; '..', '.' and empty segments are dropped so that a name
 * can never leave the output folder.
 */
export function imageOutputName(imagePath: string, suffix = ''): string {
  const segments = imagePath.split(/[#/\\]/).filter((s) => s !== '' && s !== '.' && s !== '..');
  if (segments.length === 0) segments.push('image');
  const last = segments.pop()!;
  const stem = last.replace(/\.(png|jpe?g|webp|tiff?|bmp|gif)$/i, '');
  return [...segments, `${stem}${suffix}.png`].join('/');
}
