/**
 * Every random stream the library derives from a user's seed, by name. Each stream is seeded
 * with `seed` combined with its own constant, so that e.g. the epoch order and the
 * validation split of one run do not draw the same numbers. The values are the ones the code
 * has always used: changing one changes every result made with that seed, and the docs and
 * tests quote such results, so add new streams rather than editing these.
 */
export const RANDOM_STREAMS = {
  /**
   * Epoch shuffling of the fit loop (train/shuffler.ts). The next three share its constant by
   * history, not by need: they draw different things, and nothing relies on their matching.
   */
  epochShuffle: (seed: number): number => seed ^ 0x5eed,
  /** Codec training: the quantisation noise added to the latents (apps/codec/train-codec.ts). */
  quantizationNoise: (seed: number): number => seed ^ 0x5eed,
  /** Fine-tuning's reconstruction term: the random decoder when it is not pre-trained. */
  reconstructionDecoderInit: (seed: number): number => seed ^ 0x5eed,
  /** The denoiser's fixed corruption of its validation images. */
  denoiserValidationNoise: (seed: number): number => seed ^ 0x5eed,
  /**
   * The validation split: fit()'s validationSplit, the Denoiser's and `denoise train`'s. They
   * must stay equal, being one split made in three places: the same data and seed hold out
   * the same rows whichever of them splits.
   */
  validationSplit: (seed: number): number => seed ^ 0x7a11d,
  /**
   * The test hold-out of a data file: `train`, `finetune` and `denoise train`. They must stay
   * equal: a classifier fine-tuned from an autoencoder that `train` made on the same file
   * with the same seed is then tested on rows the autoencoder never trained on.
   */
  testSplit: (seed: number): number => seed ^ 0x7e57,
  /** `detect fit`'s labelled validation hold-out for max-F1 thresholds: fixed, not seeded. */
  detectValidation: (_seed: number): number => 0x7a1d,
  /** The anomaly detector's calibration part of the normal data. */
  detectorCalibration: (seed: number): number => seed ^ 0xca11b,
  /** balancedSample: which samples of each class are labelled. */
  balancedSample: (seed: number): number => seed ^ 0xba1a,
  /** Fine-tuning's pseudo-label term: its batches of unlabelled data. */
  pseudoLabel: (seed: number): number => seed + 1,
  /** The test set of a synthetic data set (the training set uses the seed itself). */
  syntheticTest: (seed: number): number => seed + 1,
  /** The synthetic manifold's own shape, fixed per dimension count (not seeded): train and test lie on the same one. */
  syntheticManifold: (dims: number): number => 0x5a17 + dims,
  /** The denoising evaluation's corruption of the test images at noise level i. */
  denoiseTestNoise: (seed: number, level: number): number => seed * 1000 + level,
  /** The same level's corruption of the validation images the blur baseline is tuned on. */
  denoiseValidationNoise: (seed: number, level: number): number => seed * 1000 + level + 500,
  /** The brain benchmark's augmentation of its healthy training slices (apps/anomaly/brain-benchmark.ts). */
  brainAugmentation: (seed: number): number => seed ^ 0xb4a1,
  /** The brain benchmark's test slices: their augmentation and their synthetic lesions. */
  brainLesions: (seed: number): number => seed ^ 0x1e51,
} as const;
