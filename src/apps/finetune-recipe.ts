/**
 * Training settings for fine-tuning on N labelled samples. Few labels need many epochs
 * to take enough optimizer steps, many labels need few: the epoch count is chosen so that
 * every N gets about the same number of steps, within bounds. Measured on Fashion-MNIST
 * (docs/finetune.md); override any of them from the CLI or the API.
 */
export interface FineTuneRecipe {
  epochs: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
}

export const RECIPE_STEPS = 1500;
export const RECIPE_MIN_EPOCHS = 8;
export const RECIPE_MAX_EPOCHS = 150;

export function fineTuneRecipe(labelled: number): FineTuneRecipe {
  const batchSize = labelled < 1000 ? 32 : 64;
  const epochs = Math.min(RECIPE_MAX_EPOCHS, Math.max(RECIPE_MIN_EPOCHS, Math.round((RECIPE_STEPS * batchSize) / Math.max(1, labelled))));
  return { epochs, batchSize, learningRate: 1e-3, weightDecay: 0 };
}
