/**
 * ecCodes' time keys of a product: `stepType` (instant for templates 4.0/4.1; for 4.8/4.11 the
 * statistical process through ecCodes' `stepTypeInternal` concept: accum, max, min, avg, …),
 * `startStep`/`endStep` in hours and `stepRange` as ecCodes prints it ("6" for an instant,
 * "0-6" for a window, "0" for a window of length 0).
 *
 * gik reads forecast times and windows in hours only (code table 4.4, value 1), as ECMWF and
 * NCEP publish them, and one time range per statistical process; other encodings are refused.
 *
 * @module
 */
import { GribUnsupportedError } from "../api/errors.js";
import { bestMatch, type KeyValues } from "./concepts.js";
import type { ProductSection } from "./raw.js";
import type { ByteSource } from "./scan.js";
import { conceptEntries } from "./tables.js";

const HOUR = 1;
const STEP_TYPE_CONCEPT = "grib2/templates/template.4.statistical.def#stepTypeInternal";

export interface StepKeys {
  stepType: string;
  startStep: number;
  endStep: number;
  stepRange: string;
  stepUnits: number;
}

/** The time keys of `product`; `keys` are the message's key values (for the stepType concept). */
export function stepOf(product: ProductSection, keys: KeyValues, where: ByteSource): StepKeys {
  const refuse = (feature: string) => new GribUnsupportedError(where.path, where.offset, feature);
  if (product.indicatorOfUnitOfTimeRange !== HOUR) {
    throw refuse(
      `forecast time unit ${product.indicatorOfUnitOfTimeRange} (code table 4.4); gik reads hours (1)`,
    );
  }
  const startStep = product.forecastTime;
  const stats = product.statistics;
  if (!stats)
    return { stepType: "instant", startStep, endStep: startStep, stepRange: `${startStep}`, stepUnits: HOUR };
  if (stats.numberOfTimeRanges !== 1) throw refuse(`${stats.numberOfTimeRanges} statistical time ranges`);
  if (stats.indicatorOfUnitForTimeRange !== HOUR) {
    throw refuse(
      `statistical time range unit ${stats.indicatorOfUnitForTimeRange} (code table 4.4); gik reads hours (1)`,
    );
  }
  const stepType = bestMatch([conceptEntries(STEP_TYPE_CONCEPT)], keys);
  if (stepType === undefined)
    throw refuse(`typeOfStatisticalProcessing ${stats.typeOfStatisticalProcessing}`);
  const endStep = startStep + stats.lengthOfTimeRange;
  const stepRange = startStep === endStep ? `${endStep}` : `${startStep}-${endStep}`;
  return { stepType: String(stepType), startStep, endStep, stepRange, stepUnits: HOUR };
}
