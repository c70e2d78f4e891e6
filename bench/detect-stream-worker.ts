// Streaming side of the anomaly benchmark, in its own process so that its peak RSS is the
// scorer's alone: scores a CSV with a detector file and prints one JSON line.
import { AnomalyDetector } from '../src/apps/anomaly/anomaly-detector.js';
import { scoreCsvFile } from '../src/apps/anomaly/score-csv.js';

const [model, input, output] = process.argv.slice(2);
const detector = await AnomalyDetector.load(model);
const summary = await scoreCsvFile(detector, input, output, { topFeatures: 3 });
process.stdout.write(JSON.stringify({ ...summary, peakRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
