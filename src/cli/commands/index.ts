import type { Command } from '../command.js';
import { trainCommand } from './train.js';
import { evalCommand } from './eval.js';
import { reconstructCommand } from './reconstruct.js';
import { demoCommand } from './demo.js';
import { compareCommand } from './compare.js';
import { pcaCommand } from './pca.js';
import { encodeCommand } from './encode.js';
import { finetuneCommand } from './finetune.js';
import { classifyCommand } from './classify.js';
import { finetuneBenchCommand } from './finetune-bench.js';
import { denoiseTrainCommand } from './denoise-train.js';
import { denoiseApplyCommand } from './denoise-apply.js';
import { denoiseBenchCommand } from './denoise-bench.js';
import { compressCommand, decompressCommand } from './compress.js';
import { codecTrainCommand, codecCalibrateCommand } from './codec.js';
import { codecBenchCommand } from './codec-bench.js';
import { detectFitCommand } from './detect-fit.js';
import { detectScoreCommand } from './detect-score.js';
import { detectReportCommand } from './detect-report.js';
import { detectBenchCommand } from './detect-bench.js';
import { detectEvaluateCommand } from './detect-evaluate.js';
import { detectBenchBrainCommand } from './detect-bench-brain.js';
import { exportCommand } from './export.js';
import { infoCommand } from './info.js';
import { serveCommand } from './serve.js';

/** Every CLI command, in the order `hourglass --help` lists them. */
export const commands: readonly Command[] = [demoCommand, trainCommand, evalCommand, reconstructCommand, pcaCommand, compareCommand, encodeCommand, finetuneCommand, finetuneBenchCommand, classifyCommand, denoiseTrainCommand, denoiseApplyCommand, denoiseBenchCommand, compressCommand, decompressCommand, codecTrainCommand, codecCalibrateCommand, codecBenchCommand, detectFitCommand, detectScoreCommand, detectReportCommand, detectEvaluateCommand, detectBenchCommand, detectBenchBrainCommand, exportCommand, serveCommand, infoCommand];
