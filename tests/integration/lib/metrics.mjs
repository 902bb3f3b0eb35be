// Prometheus text-format helpers built on parse-prometheus-text-format.
//
// That parser folds every series of a *labelled* histogram into one object without labels and
// drops the labelled _count/_sum samples (see flattenMetrics in its source), so it cannot answer
// "what is _count{route="ready"}". samples() works around it: it parses the text again with the
// `# TYPE` lines removed, which makes every sample name (…_bucket, …_count, …_sum) its own
// untyped family with its labels intact.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

/** Parses the exposition; throws on a malformed line. Returns Map name -> family. */
export function parseFamilies(text) {
  const families = new Map();
  for (const fam of parsePrometheusTextFormat(text)) {
    if (families.has(fam.name)) {
      throw new Error(`metric family ${fam.name} appears twice (its samples are not contiguous)`);
    }
    families.set(fam.name, fam);
  }
  return families;
}

/** All samples with exactly this sample name: [{ labels: {...}, value: number }]. */
export function samples(text, sampleName) {
  const untyped = text
    .split('\n')
    .filter((line) => !line.trim().startsWith('# TYPE '))
    .join('\n');
  const out = [];
  for (const fam of parsePrometheusTextFormat(untyped)) {
    if (fam.name !== sampleName) continue;
    for (const m of fam.metrics) out.push({ labels: m.labels ?? {}, value: Number(m.value) });
  }
  return out;
}

/**
 * The value of the one sample named `sampleName` whose labels include all of `labels`;
 * undefined when there is none; throws when several match.
 */
export function sampleValue(text, sampleName, labels = {}) {
  const matching = samples(text, sampleName).filter((s) =>
    Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (matching.length > 1) {
    throw new Error(`${sampleName}${JSON.stringify(labels)} matches ${matching.length} series`);
  }
  return matching.length ? matching[0].value : undefined;
}
