/**
 * Re-evaluates the targets of a results file and re-renders its markdown from the file's own measurements, for
 * when the report's rules change after a run: `node dist/bench/rerender.js bench/results/latest.json`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { evaluateTargets, renderMarkdown, type BenchResults } from './report';

const file = process.argv[2];
if (file === undefined || !file.endsWith('.json')) throw new Error('usage: rerender <results.json>');
const measured = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
// The new targets replace the old ones: evaluateTargets reads only the measurements.
const results: BenchResults = { ...measured, targets: evaluateTargets(measured) };
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(file.replace(/\.json$/, '.md'), renderMarkdown(results));
