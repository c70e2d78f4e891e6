// The public library API of hourglass.
export { HourglassError, type ErrorCode } from './core/errors.js';
export { tensor, zeros, reshape, sliceRows, gatherRows, sizeOf, type Tensor, type Shape } from './core/tensor.js';
export { Rng, type RngState } from './core/rng.js';
export { setThreads, getThreads } from './core/threads.js';
export { cpuCapabilities, ISA_LEVELS, type CpuCapabilities, type CpuFeatures, type IsaLevel } from './core/cpu-capabilities.js';
export type { ActivationKind, Precision } from './core/types.js';

export type { Layer, LayerConfig, Param, Buffer } from './layers/layer.js';
export { Dense } from './layers/dense.js';
export { Activation } from './layers/activation.js';
export { Dropout } from './layers/dropout.js';
export { Flatten, Reshape, Identity } from './layers/reshape.js';
export { Conv2d } from './layers/conv2d.js';
export { Conv2dTranspose } from './layers/conv2d-transpose.js';
export { MaxPool2d } from './layers/max-pool2d.js';
export { AvgPool2d } from './layers/avg-pool2d.js';
export { Upsampling2d } from './layers/upsampling2d.js';
export { BatchNorm2d } from './layers/batch-norm2d.js';
export { Sequential } from './layers/sequential.js';
export { layerFromConfig } from './layers/registry.js';

export { fit, evaluateLoss, type FitOptions, type TrainingRecord, type EpochRecord, type BatchProgress, type EarlyStopping } from './train/fit.js';
export { ReconstructionLoss, type Loss, type LossKind } from './train/loss.js';
export { Optimizer, type OptimizerOptions, type OptimizerState } from './train/optimizer.js';
export type { TrainingState } from './train/training-state.js';
export { saveCheckpoint, loadCheckpoint, encodeCheckpoint, decodeCheckpoint, type Checkpoint } from './train/checkpoint-file.js';
export type { Network } from './train/network.js';

export { Autoencoder, type AutoencoderArchitecture } from './models/autoencoder.js';
export { denseAutoencoder, type DenseAutoencoderOptions } from './models/dense-preset.js';
export { DATA_DEFAULTS, DETECTOR_FIT_DEFAULTS, FIT_DEFAULTS, dataKindOf, defaultScaler, defaultOutputActivation, type DataKind } from './models/defaults.js';
export {
  convAutoencoder,
  convPresetDefaults,
  resolveConvPreset,
  describeConvPreset,
  type ConvAutoencoderOptions,
  type ConvPresetSettings,
  type ConvDownsampling,
  type ConvActivation,
} from './models/conv-preset.js';
export { buildAutoencoder } from './models/build.js';
export { PCA, type PcaOptions } from './models/pca.js';
export type { Model, ModelKind, Reconstructor, ReconstructionMetrics, ErrorMetric } from './models/contract.js';

export { loadFashionMnist, FASHION_MNIST_CLASS_NAMES, type LabeledImages } from './data/fashion-mnist.js';
export { readIdx, writeIdx } from './data/idx.js';
export { readNumericCsv, streamNumericCsv, writeCsv } from './data/csv.js';
export { readNpy, writeNpy } from './data/npy.js';
export { MinMaxScaler, StandardScaler, scalerFromJSON, type Scaler } from './data/scaler.js';
export { splitValidation, subset } from './data/dataset.js';
export { syntheticData } from './data/synthetic.js';

export { saveModelFile, loadModelFile, type ModelFileContents } from './io/model-file.js';
export { compareBottlenecks, type CompareOptions, type CompareEntry } from './apps/compare.js';
export { Classifier, FINE_TUNE_MODES, type FineTuneMode, type ClassifierFitOptions, type ClassifierArchitecture } from './models/classifier.js';
export { type TrainingRegularizer } from './train/regularizer.js';
export { classifierFromAutoencoder, classificationHead, type ClassifierFromAutoencoderOptions, type HeadOptions } from './apps/finetune/classifier-from-autoencoder.js';
export { fineTuneClassifier, type FineTuneSchedule, type FineTuneRecord } from './apps/finetune/fine-tune.js';
export { fineTuneRecipe, propagationRecipe, type FineTuneRecipe, type PropagationRecipe } from './apps/finetune/recipe.js';
export {
  NeighbourGraph, propagateLabels, propagatedTargets, fineTuneWithPropagation,
  type LabelPropagationOptions, type PropagatedLabels, type PropagationFineTuneOptions, type PropagationFineTuneRecord,
} from './apps/finetune/propagation.js';
export { reconstructionTerm, pseudoLabelTerm, l2spTerm, type ReconstructionTermOptions, type PseudoLabelTermOptions } from './apps/finetune/regularizers.js';
export { CrossEntropyLoss, oneHot, softmax } from './train/cross-entropy.js';
export { balancedSample, type BalancedSampleOptions } from './data/balanced-sample.js';

export { AnomalyDetector, type AnomalyDetectorOptions, type DetectorFitOptions, type DetectorEvaluation } from './apps/anomaly/anomaly-detector.js';
export type { ScoreKind } from './apps/anomaly/score-kind.js';
export type { ThresholdRule } from './apps/anomaly/threshold-rule.js';
export type { Explanation } from './apps/anomaly/explanation.js';
export type { ScoreParts } from './apps/anomaly/score-composition.js';
export { scoreCsvFile, type CsvScoringOptions, type CsvScoringSummary } from './apps/anomaly/score-csv.js';
export { writeAnomalyReport, type AnomalyReportInput, type AnomalyReport } from './apps/anomaly/anomaly-report.js';
export type { AnomalyMaps } from './apps/anomaly/anomaly-maps.js';
export { evaluatePixels, formatPixelEvaluation, type PixelEvaluation, type PixelEvaluationInput, type SegmentationScores } from './apps/anomaly/pixel-evaluation.js';
export { parsePixelThreshold, pixelThreshold, type PixelThresholdRule } from './apps/anomaly/pixel-threshold.js';
export { PixelZScore } from './apps/anomaly/pixel-zscore.js';
export { brainBenchmark, type BrainBenchmarkOptions, type BrainBenchmarkResult } from './apps/anomaly/brain-benchmark.js';
export { readNiftiSlices, type NiftiSliceOptions, type NiftiSlices, type SliceAxis } from './data/nifti.js';
export { readNiftiVolume, type NiftiVolume } from './data/nifti-volume.js';
export { planTableDetector, type TableDetectorPlan } from './apps/anomaly/table-detector.js';
export { TableEnsemble, type TableEnsembleOptions } from './apps/anomaly/table-ensemble.js';
export { tableDetectorDefaults, type TableDetectorDefaults } from './models/defaults.js';
export { TableEncoder, type EncodedColumn } from './data/tables/table-encoder.js';
export { rawTable, type RawTable, type RawColumn } from './data/tables/raw-table.js';
export { Denoiser, type DenoiserOptions, type DenoiserFitOptions, type DenoiseMetrics, type DenoiseEvaluateOptions } from './apps/denoise/denoiser.js';
export { loadModel, type AnyModel } from './apps/load-model.js';
export { toOnnx, exportOnnx, type OnnxExportOptions } from './apps/export-onnx.js';
export type { OnnxPart } from './models/export/model-onnx.js';
export { parseCorruption, formatCorruption, corrupt, corruptWithSeed, corruptionTransform, type Corruption, type DataRange } from './apps/denoise/corruption.js';
export { medianFilter, gaussianBlur, bestBlurSigma } from './apps/denoise/filters.js';
export { processTiled, type TileOptions } from './apps/denoise/tiling.js';
export { applyDenoiser, type ApplyOptions, type ApplyResult } from './apps/denoise/apply.js';
export { readImage, writeImage, type ColorMode } from './apps/denoise/image-file.js';
export { Codec, type CodecOptions, type CodecFitOptions, type CodecLoadOptions, type CodecMetrics } from './apps/codec/codec.js';
export { encodeHgc, decodeHgc, type HgcHeader, type HgcFile, type EntropyCoderName } from './apps/codec/hgc-container.js';
export { RangeEncoder, RangeDecoder, StaticFrequencyModel, AdaptiveFrequencyModel, type FrequencyModel } from './apps/codec/range-coder.js';
export { calibrateLatent, quantize, dequantize, type LatentCalibration, type StepMode } from './apps/codec/latent-quantizer.js';

export { auroc } from './metrics/auroc.js';
export { averagePrecision } from './metrics/average-precision.js';
export { rankPixels, type PixelRanking, type PixelMapsInput } from './metrics/pixel-ranking.js';
export { pixelAuroc } from './metrics/pixel-auroc.js';
export { aupro, DEFAULT_AUPRO_FPR_LIMIT } from './metrics/aupro.js';
export { bestDice, type BestDice } from './metrics/best-dice.js';
export { connectedComponents, type LabelledRegions } from './metrics/connected-components.js';
export { rocCurve, type RocCurve } from './metrics/roc-curve.js';
export { precisionRecallCurve, type PrecisionRecallCurve } from './metrics/precision-recall-curve.js';
export { binaryConfusionMatrix, decisionMetrics, type ConfusionMatrix, type DecisionMetrics } from './metrics/confusion-matrix.js';
export { metricsAtThreshold, type ThresholdMetrics } from './metrics/threshold-metrics.js';
export { psnr, psnrPerImage, meanPsnr } from './metrics/psnr.js';
export { ssim, ssimPerImage, meanSsim, type SsimOptions } from './metrics/ssim.js';
export { classificationMetrics, confusionMatrix, formatClassificationReport, type ClassificationMetrics, type ClassMetrics } from './metrics/classification.js';
export { readImageSet, type ImageReadOptions, type ImageSetRead } from './data/image-set-reader.js';
export type { ImageSet } from './data/image-set.js';
export { listImages, type ImageEntry, type ImageLayout, type ImageListing } from './data/image-folder.js';
export { decodeImageFile, parseImageSize, type DecodedImage, type ImageDecodeOptions, type ImageFit, type ImageSize } from './data/image-decode.js';
export { ImageFolderSource, type ImageFolderSourceOptions } from './data/image-folder-source.js';
export { tensorSource, type DataSource } from './data/data-source.js';
export { patchLayout, extractPatches, stitchPatches, stitchPatchScores, maxPatchScorePerImage, type PatchLayout } from './data/patches.js';
