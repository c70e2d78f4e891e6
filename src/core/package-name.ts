/**
 * The name hourglass is installed and imported by (`npm install @hourglass-ml/hourglass`,
 * `import { ... } from '@hourglass-ml/hourglass'`). `hourglass` on the npm registry is an
 * unrelated package, hence the scope; the command stays `hourglass`. package.json's `name`
 * must say the same (test/package-manifest.test.ts).
 */
export const PACKAGE_NAME = '@hourglass-ml/hourglass';
